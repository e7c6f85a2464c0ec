/**
 * The variables of a format or condition that have no value on Compute.
 *
 * Owns: finding, in the `%{…}V` expressions of a format (or in a condition), the VCL variables
 * Compute has no source for (`noComputeSource` in variables.ts: TCP figures, `bereq.*`,
 * `ratecounter.*`, `waf.inspection.disabled`, …), in the order of their first use, and the one
 * warning lint.ts adds for them, which `check` and `render` print.
 * Does not own: which variables those are (variables.ts) or how they print (log-format.ts: `null`
 * as a bare JSON value, nothing inside a JSON string, `(null)` elsewhere).
 *
 * Such a variable is accepted, so that a format written for a VCL service loads here: refusing
 * the whole endpoint for one field would lose every line. It deserves a warning all the same,
 * because the field a VCL service fills is always empty here.
 */
import type { ExprNode, MappedText } from './ast.js';
import { formatWarningAt, type FormatWarning } from './errors.js';
import { parseExpression } from './expr-parser.js';
import { parseFormat } from './format-parser.js';
import { lookupVariable } from './variables.js';

/** A variable with no value on Compute, and the source offset where the text first uses it. */
export interface MissingOnCompute {
  /** The VCL variable, as the format writes it. */
  readonly name: string;
  /** UTF-16 offset in the format where it is first read. */
  readonly at: number;
}

/**
 * The variables of a format that have no value on Compute, each once, in source order. The format
 * must compile (call it after compileFormat, or through lintFormat).
 *
 * @example
 * variablesWithoutComputeValue('{"rtt":%{client.socket.tcpi_rtt}V,"s":%>s}')
 * // → [{ name: 'client.socket.tcpi_rtt', at: 7 }]
 */
export function variablesWithoutComputeValue(source: string): MissingOnCompute[] {
  const found = new Map<string, number>();
  for (const node of parseFormat(source)) {
    if (node.kind === 'directive' && node.letter === 'V' && node.arg) collect(parseExpression({ source, mapped: node.arg }), found);
  }
  return [...found].map(([name, at]) => ({ name, at }));
}

/** The same for a condition (response_condition). */
export function conditionVariablesWithoutComputeValue(source: string): MissingOnCompute[] {
  const mapped: MappedText = { text: source, offsets: Array.from({ length: source.length }, (_, i) => i), end: source.length };
  const found = new Map<string, number>();
  collect(parseExpression({ source, mapped }), found);
  return [...found].map(([name, at]) => ({ name, at }));
}

/** One warning naming every such variable of a format, at its first one; undefined when none. */
export function missingOnComputeWarning(source: string): FormatWarning | undefined {
  return warningFor(source, variablesWithoutComputeValue(source), () => 'in a JSON template the field is null as a bare value and empty inside quotes, elsewhere it prints (null)');
}

/** The same for a condition: such a variable reads as not set there. */
export function conditionMissingOnComputeWarning(source: string): FormatWarning | undefined {
  return warningFor(
    source,
    conditionVariablesWithoutComputeValue(source),
    (one) => `here ${one ? 'it always reads' : 'they always read'} as not set, which a condition treats as false (and every comparison but != too)`,
  );
}

/** The warning at the first missing variable, naming all of them and what becomes of them (`consequence`). */
function warningFor(source: string, missing: MissingOnCompute[], consequence: (one: boolean) => string): FormatWarning | undefined {
  if (missing.length === 0) return undefined;
  const one = missing.length === 1;
  return formatWarningAt(source, missing[0].at, `${describe(missing)} no value on Compute (a VCL service has ${one ? 'it' : 'them'}): ${consequence(one)}`);
}

/** `x has` or `x, y: 2 variables have`, to go before "no value on Compute". */
function describe(missing: readonly MissingOnCompute[]): string {
  if (missing.length === 1) return `${missing[0].name} has`;
  return `${missing.map((m) => m.name).join(', ')}: ${missing.length} variables have`;
}

function collect(node: ExprNode, found: Map<string, number>): void {
  switch (node.kind) {
    case 'var':
      if (lookupVariable(node.name)?.noComputeSource && !found.has(node.name)) found.set(node.name, node.pos);
      return;
    case 'call':
      for (const arg of node.args) collect(arg, found);
      return;
    case 'concat':
      for (const part of node.parts) collect(part, found);
      return;
    case 'not':
      collect(node.operand, found);
      return;
    case 'logical':
    case 'compare':
    case 'match':
      collect(node.left, found);
      collect(node.right, found);
      return;
    default:
      return;
  }
}
