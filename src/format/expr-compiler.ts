/**
 * Expression compiler: ExprNode tree → typed closure (`Compiled`).
 *
 * Owns: name resolution (variables.ts, functions.ts), static typing and its errors, operator
 * semantics, and compiling the regex of `~` / `!~` when the expression compiles. Every check
 * happens here, once, when a format or condition is compiled; the closures it returns do no
 * parsing and build no regex.
 * Does not own: syntax (expr-parser.ts), how a result becomes log text (coercion.ts), or how a
 * regex matches (regex/: the engines, and what `~` does past their caps).
 *
 * Operator semantics (VCL, with §5.1's not-set rules):
 * - `+` and juxtaposition concatenate text; a not-set operand contributes `(null)`, as it does
 *   in the `log` statement a Fastly format compiles to.
 * - `==` `!=` compare STRING/IP with STRING/IP, numbers with numbers (INTEGER and FLOAT mix),
 *   RTIME with RTIME, TIME with TIME, BOOL with BOOL; ordering is not defined for strings or
 *   BOOL. Any comparison with a not-set operand is false, except `!=` which is true.
 * - `~` / `!~` need a STRING or IP on the left (not set matches as "") and a string literal
 *   regex on the right; a successful `~` sets `re.group.0`…`re.group.N`.
 * - `!`, `&&`, `||` take BOOL, or STRING/IP by truthiness; `&&` and `||` short-circuit.
 */
import type { CallNode, CompareNode, ExprNode, MatchNode } from './ast.js';
import { CoercionError, constantOf, logText, truthiness, typeRisk, type Compiled } from './coercion.js';
import { formatErrorAt } from './errors.js';
import { EMPTY_FACTS, probeFactsRead, type FactName } from './facts-read.js';
import { maxRisk, MAY_HAVE_NEWLINES, NO_NEWLINES } from './newlines.js';
import { FUNCTIONS, type CallSite, type ParamKind } from './functions.js';
import { compileRegexAt, matchOperator, type RegexObserver } from './regex/index.js';
import { LineLimitExceeded, RenderContext } from './render-context.js';
import { didYouMean } from './suggest.js';
import { familyNamesLike, lookupVariable, variableNames } from './variables.js';
import { NOT_SET_TEXT, STRINGIFY, type Value, type VclType } from './values.js';

const NUMERIC: ReadonlySet<VclType> = new Set(['INTEGER', 'FLOAT']);
const TEXTUAL: ReadonlySet<VclType> = new Set(['STRING', 'IP']);

export class ExpressionCompiler {
  /** The request facts what was compiled reads (facts-read.ts). */
  readonly factsRead = new Set<FactName>();

  constructor(
    private readonly source: string,
    /** Told of every regex compiled (log-format.ts keeps the warnings). */
    readonly observeRegex?: RegexObserver,
  ) {}

  fail(pos: number, reason: string): never {
    throw formatErrorAt(this.source, pos, reason);
  }

  compile(node: ExprNode): Compiled {
    switch (node.kind) {
      case 'string':
        return constantOf('STRING', node.value, node);
      case 'number':
        return constantOf(node.numType, node.value);
      case 'bool':
        return constantOf('BOOL', node.value);
      case 'var': {
        const variable = lookupVariable(node.name);
        if (!variable) return this.fail(node.pos, unknownVariableMessage(node.name));
        if (variable.noComputeSource) return { ...constantOf(variable.type, null), noComputeSource: true };
        if (variable.constant) return constantOf(variable.type, variable.constant.value);
        probeFactsRead(variable.get, this.factsRead);
        return { type: variable.type, eval: variable.get, newlineRisk: variable.newlineRisk ?? typeRisk(variable.type) };
      }
      case 'call':
        return this.call(node);
      case 'concat':
        return this.concat(node.parts.map((p) => this.compile(p)));
      case 'not': {
        const operand = this.condition(node.operand, '!');
        return { type: 'BOOL', eval: (ctx) => !operand(ctx), newlineRisk: NO_NEWLINES };
      }
      case 'logical': {
        const left = this.condition(node.left, node.op);
        const right = this.condition(node.right, node.op);
        return {
          type: 'BOOL',
          eval: node.op === '&&' ? (ctx) => left(ctx) && right(ctx) : (ctx) => left(ctx) || right(ctx),
          newlineRisk: NO_NEWLINES,
        };
      }
      case 'compare':
        return this.compare(node);
      case 'match':
        return this.match(node);
    }
  }

  /** A sub-expression used as a condition (BOOL, or STRING/IP by truthiness). */
  condition(node: ExprNode, where: string): (ctx: RenderContext) => boolean {
    const compiled = this.compile(node);
    try {
      return truthiness(compiled);
    } catch (error) {
      if (error instanceof CoercionError) this.fail(node.pos, `${where}: ${error.message}`);
      throw error;
    }
  }

  private concat(parts: Compiled[]): Compiled {
    const texts: Array<string | ((ctx: RenderContext) => string)> = [];
    for (const part of parts) {
      if (!part.constant) {
        texts.push(logText(part));
        continue;
      }
      const v = part.constant.value;
      const text = v === null ? NOT_SET_TEXT : STRINGIFY[part.type](v);
      const last = texts.length - 1;
      if (typeof texts[last] === 'string') texts[last] = (texts[last] as string) + text;
      else texts.push(text);
    }
    if (texts.length === 1 && typeof texts[0] === 'string') return constantOf('STRING', texts[0]);
    return {
      type: 'STRING',
      newlineRisk: maxRisk(...parts.map((p) => p.newlineRisk ?? MAY_HAVE_NEWLINES)),
      eval: (ctx) => {
        let out = '';
        for (const t of texts) out += typeof t === 'string' ? t : t(ctx);
        return out.length > ctx.maxChars ? ctx.bound(out) : out;
      },
    };
  }

  private call(node: CallNode): Compiled {
    const def = FUNCTIONS.get(node.name);
    if (!def) {
      return this.fail(
        node.pos,
        lookupVariable(node.name)
          ? `'${node.name}' is a variable, not a function: expected ${node.name} without parentheses`
          : unknownFunctionMessage(node.name),
      );
    }
    const { params, minArgs } = def;
    if (node.args.length < minArgs || node.args.length > params.length) {
      const expected = minArgs === params.length ? `${minArgs}` : `${minArgs} to ${params.length}`;
      const pos = node.args.length > params.length ? node.args[params.length].pos : node.endPos;
      this.fail(pos, `${node.name} takes ${expected} argument${params.length === 1 ? '' : 's'}, found ${node.args.length}`);
    }
    const args = node.args.map((arg, i) => this.argument(node, i, params[i], arg));
    for (const fact of def.reads ?? []) this.factsRead.add(fact);
    const site: CallSite = { node, fail: (pos, reason) => this.fail(pos, reason), observeRegex: this.observeRegex };
    const declared = typeof def.newlineRisk === 'function' ? def.newlineRisk(args) : def.newlineRisk;
    const newlineRisk = typeRisk(def.returns) === NO_NEWLINES ? NO_NEWLINES : (declared ?? MAY_HAVE_NEWLINES);
    const evaluate = def.build(args, site);
    // A pure function of constants is a constant (e.g. json.escape of a variable Compute lacks).
    const folded = def.pure && args.every((a) => a.constant) ? fold(evaluate) : undefined;
    if (folded) return constantOf(def.returns, folded.value);
    return { type: def.returns, eval: evaluate, newlineRisk, ...(def.jsonSafe ? { jsonSafe: true } : {}) };
  }

  private argument(node: CallNode, index: number, kind: ParamKind, argNode: ExprNode): Compiled {
    const where = `${node.name}: argument ${index + 1}`;
    const pos = argNode.pos;
    if (kind === 'ID') {
      // A name the function reads itself (a table, req, req.headers …): never evaluated.
      if (argNode.kind !== 'var') this.fail(pos, `${where} must be a name, such as a table name or req`);
      return constantOf('STRING', argNode.name);
    }
    const arg = this.compile(argNode);
    switch (kind) {
      case 'STRING':
        return arg;
      case 'FLOAT':
        if (!NUMERIC.has(arg.type)) this.fail(pos, `${where} must be FLOAT, found ${arg.type}`);
        return arg;
      case 'IP':
        if (!TEXTUAL.has(arg.type)) this.fail(pos, `${where} must be IP or STRING, found ${arg.type}`);
        return arg;
      case 'BOOL':
        if (arg.type !== 'BOOL' && !TEXTUAL.has(arg.type)) this.fail(pos, `${where} must be BOOL or STRING, found ${arg.type}`);
        return arg;
      case 'REGEX':
        if (!arg.literal) {
          this.fail(pos, `${where} must be a string literal: regular expressions are compiled with the format`);
        }
        return arg;
      default:
        if (arg.type !== kind) this.fail(pos, `${where} must be ${kind}, found ${arg.type}`);
        return arg;
    }
  }

  private compare(node: CompareNode): Compiled {
    const left = this.compile(node.left);
    const right = this.compile(node.right);
    const { op } = node;
    const l = left.type;
    const r = right.type;
    const equalityOnly = (TEXTUAL.has(l) && TEXTUAL.has(r)) || (l === 'BOOL' && r === 'BOOL');
    const ordered = (NUMERIC.has(l) && NUMERIC.has(r)) || (l === r && (l === 'RTIME' || l === 'TIME'));
    if (!equalityOnly && !ordered) {
      const hint = l === 'RTIME' || r === 'RTIME' ? ' (write RTIME literals with a unit, such as 1s or 500ms)' : '';
      this.fail(node.pos, `cannot compare ${l} with ${r}: expected ${comparableWith(l)} on the right${hint}`);
    }
    if (equalityOnly && op !== '==' && op !== '!=') {
      this.fail(node.pos, `operator ${op} is not defined for ${l}: expected == or !=`);
    }
    const a = left.eval;
    const b = right.eval;
    const test = COMPARATORS[op];
    const notSet = op === '!=';
    return {
      type: 'BOOL',
      newlineRisk: NO_NEWLINES,
      eval: (ctx) => {
        const x = a(ctx);
        const y = b(ctx);
        if (x === null || y === null) return notSet;
        return test(x as number, y as number);
      },
    };
  }

  private match(node: MatchNode): Compiled {
    const left = this.compile(node.left);
    const op = node.negate ? '!~' : '~';
    if (!TEXTUAL.has(left.type)) this.fail(node.left.pos, `${op} needs a STRING on its left, found ${left.type}`);
    const right = this.compile(node.right);
    if (!right.literal) this.fail(node.right.pos, `${op} needs a string literal (a regular expression) on its right`);
    const regex = compileRegexAt(right.literal.value, right.literal.valueOffsets, node.right, this);
    return { type: 'BOOL', newlineRisk: NO_NEWLINES, eval: matchOperator(left.eval as (ctx: RenderContext) => string | null, regex, node.negate) };
  }
}

const COMPARATORS: Record<CompareNode['op'], (x: number, y: number) => boolean> = {
  '==': (x, y) => x === y,
  '!=': (x, y) => x !== y,
  '<': (x, y) => x < y,
  '>': (x, y) => x > y,
  '<=': (x, y) => x <= y,
  '>=': (x, y) => x >= y,
};

function unknownVariableMessage(name: string): string {
  if (!name.includes('.')) {
    return `unknown variable '${name}': expected a VCL variable (a request header is req.http.${name}; strings need double quotes)`;
  }
  // A misspelt header family (`req.htpp.Host`) is matched against the header forms too.
  const rest = name.split('.').slice(2).join('.');
  const headerForms = rest ? [`req.http.${rest}`, `resp.http.${rest}`] : [];
  return `unknown variable '${name}': expected a VCL variable${didYouMean(name, [...variableNames(), ...headerForms, ...familyNamesLike(name)])}`;
}

function unknownFunctionMessage(name: string): string {
  const hint = didYouMean(name, FUNCTIONS.keys());
  if (hint) return `unknown function '${name}': expected a VCL function${hint}`;
  const namespace = name.includes('.') ? `${name.slice(0, name.indexOf('.') + 1)}` : '';
  const siblings = namespace ? [...FUNCTIONS.keys()].filter((f) => f.startsWith(namespace)).sort() : [];
  if (siblings.length > 0) return `unknown function '${name}': expected one of: ${siblings.join(', ')}`;
  return `unknown function '${name}': expected a VCL function (docs/vcl-functions.md lists them)`;
}

/**
 * The value of a pure call with constant arguments, computed now; undefined when it must stay a
 * call: it sets fastly.error (a side effect the line must see), or it is too long to keep.
 */
function fold(evaluate: (ctx: RenderContext) => Value): { value: Value } | undefined {
  const ctx = new RenderContext(EMPTY_FACTS);
  try {
    const value = evaluate(ctx);
    return ctx.fastlyError === null ? { value } : undefined;
  } catch (error) {
    if (error instanceof LineLimitExceeded) return undefined;
    throw error;
  }
}

/** What a comparison with a `left` operand needs on its right. */
function comparableWith(left: VclType): string {
  if (TEXTUAL.has(left)) return 'STRING or IP';
  if (NUMERIC.has(left)) return 'INTEGER or FLOAT';
  return left;
}
