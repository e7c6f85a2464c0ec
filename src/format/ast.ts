/**
 * Syntax trees of the log-format language.
 *
 * Owns: the shapes produced by the format parser (literal text and `%` directives) and by the
 * expression parser (VCL expressions inside `%{…}V` and response conditions).
 * Does not own: meaning or types; the compiler assigns those. Every node carries `pos`, the UTF-16
 * offset in the original format or condition source, so that any later stage can report a caret.
 */

/**
 * Text of a directive argument after format-level unescaping (`\\`, `\{`, `\}`, `\"`), with the
 * source offset of each UTF-16 unit, so expression errors point into the original format.
 */
export interface MappedText {
  readonly text: string;
  readonly offsets: readonly number[];
  /** Source offset just past the text (where "end of expression" is reported). */
  readonly end: number;
}

export type FormatNode = LiteralNode | DirectiveNode;

export interface LiteralNode {
  readonly kind: 'literal';
  readonly text: string;
  /** Source offset of each UTF-16 unit of `text` (`%%` and CRLF are two source units for one). */
  readonly offsets: readonly number[];
}

export interface DirectiveNode {
  readonly kind: 'directive';
  /** `a`, `>s` is letter `s` with modifier `>`, `^ti` for the two-letter Apache forms. */
  readonly letter: string;
  readonly modifier: '' | '<' | '>';
  /** The `{…}` argument, or null when the directive has none. */
  readonly arg: MappedText | null;
  /** Offset of the `%`. */
  readonly pos: number;
  /** Offset of the directive letter. */
  readonly letterPos: number;
}

export type ExprNode =
  | StringNode
  | NumberNode
  | BoolNode
  | VariableNode
  | CallNode
  | ConcatNode
  | NotNode
  | LogicalNode
  | CompareNode
  | MatchNode;

export interface StringNode {
  readonly kind: 'string';
  readonly value: string;
  /** Source offset of each UTF-16 unit of `value` (for regex error carets). */
  readonly valueOffsets: readonly number[];
  readonly pos: number;
}

export interface NumberNode {
  readonly kind: 'number';
  readonly numType: 'INTEGER' | 'FLOAT' | 'RTIME';
  /** INTEGER and FLOAT as is; RTIME in microseconds. */
  readonly value: number;
  readonly pos: number;
}

export interface BoolNode {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly pos: number;
}

export interface VariableNode {
  readonly kind: 'var';
  readonly name: string;
  readonly pos: number;
}

export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly ExprNode[];
  readonly pos: number;
  /** Offset of the closing parenthesis (for "missing argument" errors). */
  readonly endPos: number;
}

export interface ConcatNode {
  readonly kind: 'concat';
  readonly parts: readonly ExprNode[];
  readonly pos: number;
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: ExprNode;
  readonly pos: number;
}

export interface LogicalNode {
  readonly kind: 'logical';
  readonly op: '&&' | '||';
  readonly left: ExprNode;
  readonly right: ExprNode;
  readonly pos: number;
}

export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly left: ExprNode;
  readonly right: ExprNode;
  /** Offset of the operator. */
  readonly pos: number;
}

export interface MatchNode {
  readonly kind: 'match';
  readonly negate: boolean;
  readonly left: ExprNode;
  readonly right: ExprNode;
  /** Offset of the operator. */
  readonly pos: number;
}
