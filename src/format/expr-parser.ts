/**
 * Parser for VCL expressions: tokens → ExprNode tree.
 *
 * Owns: the expression grammar used in formats and conditions, lowest precedence first:
 *
 *   expr    := and ('||' and)*
 *   and     := not ('&&' not)*
 *   not     := '!' not | compare
 *   compare := concat (('=='|'!='|'<'|'>'|'<='|'>='|'~'|'!~') concat)?
 *   concat  := primary (['+'] primary)*        juxtaposition concatenates, as in VCL
 *   primary := string | ['-'] number | 'true' | 'false' | name '(' [expr (',' expr)*] ')'
 *            | name | '(' expr ')'
 *
 * `!` applies to a whole comparison (`!a == b` is `!(a == b)`), as in Varnish's vcc_expr.
 * Does not own: names, types or regex validity (expr-compiler.ts).
 *
 * Depth: every later stage (compiler, closures) recurses over the tree, so its depth is bounded
 * here. Parentheses, call arguments and `!` may nest MAX_NESTING_DEPTH levels; deeper input is a
 * FormatError at the first token past the limit, never a stack overflow. Chains of one operator
 * (`a || b || …`) are not nesting and have no limit: they become balanced trees (depth log₂ n),
 * which is safe because `&&` and `||` are associative with the same left-to-right short-circuit
 * order however they are grouped.
 */
import type { CompareOp, ExprNode } from './ast.js';
import { formatErrorAt } from './errors.js';
import { tokenize, type ExprSource, type Token } from './expr-lexer.js';

const COMPARE_OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Deepest nesting of parentheses, calls and `!` in one expression. */
export const MAX_NESTING_DEPTH = 64;

export function parseExpression(src: ExprSource): ExprNode {
  const tokens = tokenize(src);
  let k = 0;
  const peek = (): Token => tokens[k];
  const isOp = (t: Token, op: string): boolean => t.kind === 'op' && t.op === op;
  const fail = (t: Token, expected: string): never => {
    throw formatErrorAt(src.source, t.pos, `expected ${expected}, found ${describe(t)}`);
  };
  let depth = 0;
  /** Enters one nested level opened by token `t` (a '(' or '!'); the caller decrements `depth`. */
  const enter = (t: Token): void => {
    if (depth >= MAX_NESTING_DEPTH) {
      throw formatErrorAt(
        src.source,
        t.pos,
        `nesting deeper than ${MAX_NESTING_DEPTH} levels: expected at most ${MAX_NESTING_DEPTH} nested parentheses, calls or '!'`,
      );
    }
    depth++;
  };

  /** The rest of `first (op operand)*`, when `op` follows `first`, as a balanced tree. */
  const parseChain = (op: '||' | '&&', first: ExprNode, parseOperand: () => ExprNode): ExprNode => {
    const operands = [first];
    const positions: number[] = [];
    while (isOp(peek(), op)) {
      positions.push(peek().pos);
      k++;
      operands.push(parseOperand());
    }
    const build = (from: number, to: number): ExprNode => {
      if (to - from === 1) return operands[from];
      const mid = (from + to) >> 1;
      return { kind: 'logical', op, left: build(from, mid), right: build(mid, to), pos: positions[mid - 1] };
    };
    return build(0, operands.length);
  };

  const parseOr = (): ExprNode => {
    const first = parseAnd();
    return isOp(peek(), '||') ? parseChain('||', first, parseAnd) : first;
  };

  const parseAnd = (): ExprNode => {
    const first = parseNot();
    return isOp(peek(), '&&') ? parseChain('&&', first, parseNot) : first;
  };

  const parseNot = (): ExprNode => {
    const t = peek();
    if (isOp(t, '!')) {
      k++;
      enter(t);
      const operand = parseNot();
      depth--;
      return { kind: 'not', operand, pos: t.pos };
    }
    return parseCompare();
  };

  const parseCompare = (): ExprNode => {
    const left = parseConcat();
    const t = peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.op)) {
      k++;
      return { kind: 'compare', op: t.op as CompareOp, left, right: parseConcat(), pos: t.pos };
    }
    if (t.kind === 'op' && (t.op === '~' || t.op === '!~')) {
      k++;
      return { kind: 'match', negate: t.op === '!~', left, right: parseConcat(), pos: t.pos };
    }
    return left;
  };

  const startsPrimary = (t: Token): boolean =>
    t.kind === 'string' || t.kind === 'number' || t.kind === 'ident' || isOp(t, '(');

  const parseConcat = (): ExprNode => {
    const first = parsePrimary();
    const parts = [first];
    for (;;) {
      const t = peek();
      if (isOp(t, '+')) {
        k++;
        parts.push(parsePrimary());
      } else if (startsPrimary(t)) {
        parts.push(parsePrimary());
      } else break;
    }
    return parts.length === 1 ? first : { kind: 'concat', parts, pos: first.pos };
  };

  const parsePrimary = (): ExprNode => {
    const t = peek();
    switch (t.kind) {
      case 'string':
        k++;
        return { kind: 'string', value: t.value, valueOffsets: t.valueOffsets, pos: t.pos };
      case 'number':
        k++;
        return { kind: 'number', numType: t.numType, value: t.value, pos: t.pos };
      case 'ident': {
        k++;
        if (isOp(peek(), '(')) {
          enter(peek());
          const call = parseCall(t.name, t.pos);
          depth--;
          return call;
        }
        if (t.name === 'true' || t.name === 'false') return { kind: 'bool', value: t.name === 'true', pos: t.pos };
        return { kind: 'var', name: t.name, pos: t.pos };
      }
      case 'op':
        if (t.op === '(') {
          k++;
          enter(t);
          const inner = parseOr();
          depth--;
          if (!isOp(peek(), ')')) fail(peek(), "')' to close '('");
          k++;
          return inner;
        }
        if (t.op === '-' && tokens[k + 1].kind === 'number') {
          const num = tokens[k + 1] as Extract<Token, { kind: 'number' }>;
          k += 2;
          return { kind: 'number', numType: num.numType, value: -num.value, pos: t.pos };
        }
        return fail(t, 'an expression');
      default:
        return fail(t, 'an expression');
    }
  };

  const parseCall = (name: string, pos: number): ExprNode => {
    k++; // '('
    const args: ExprNode[] = [];
    if (!isOp(peek(), ')')) {
      for (;;) {
        args.push(parseOr());
        if (isOp(peek(), ',')) {
          k++;
          continue;
        }
        if (isOp(peek(), ')')) break;
        fail(peek(), `',' or ')' in the call to ${name}`);
      }
    }
    const endPos = peek().pos;
    k++; // ')'
    return { kind: 'call', name, args, pos, endPos };
  };

  const root = parseOr();
  if (peek().kind !== 'eof') fail(peek(), 'an operator or the end of the expression');
  return root;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return `string "${t.value.length > 20 ? `${t.value.slice(0, 20)}…` : t.value}"`;
    case 'number':
      return `number ${t.text}`;
    case 'ident':
      return `'${t.name}'`;
    case 'op':
      return `'${t.op}'`;
  }
}
