/**
 * The JSON check of lint: where a JSON template's line cannot parse as JSON on Compute.
 *
 * Owns: the warnings for a format that is a JSON template (json-template.ts): a problem of the
 * template's own text (an escape JSON does not accept, a control character in a string, a
 * missing ',' …), and a directive in a bare value position that does not always print a JSON
 * value — an `if` that can pick a variable Compute never sets (prints nothing; the variable alone
 * prints `null`), text such as a header or `%t` (prints something that is not JSON, and lets a
 * client write JSON there), `%b`'s `-` — and a lone `\` of the template just before a directive
 * inside a string (it escapes the value's first character). Each warning says what to write
 * instead. Other values inside JSON strings need no warning: the renderer keeps them from
 * breaking the string (json-template.ts).
 * Does not own: the scanner (json-template.ts) or printing the warnings (lint.ts callers).
 */
import type { DirectiveNode, ExprNode } from './ast.js';
import { formatWarningAt, type FormatWarning } from './errors.js';
import { ExpressionCompiler } from './expr-compiler.js';
import { parseExpression } from './expr-parser.js';
import { parseFormat } from './format-parser.js';
import { analyzeJsonTemplate } from './json-template.js';
import { TextKeyedCache } from './text-cache.js';
import { lookupVariable } from './variables.js';

/** Directives that always print a JSON number. */
const NUMBER_DIRECTIVES = new Set(['B', 'D', 's', 'T', 'I', 'O', 'k', 'p']);
const TIME_NUMBER_TOKENS = /^(?:begin:|end:)?(?:sec|msec|usec)$/;
/** STRING variables whose text is always a plain number (time parts without zero padding). */
const NUMERIC_TEXT_VARIABLE = /^(?:time\.(?:start|end|elapsed|now)|now)\.(?:sec|msec|usec)$/;

const jsonChecks = new TextKeyedCache<readonly FormatWarning[]>();

/**
 * lintJson, kept per instance by format text (text-cache.ts): the configuration's load runs it for
 * every endpoint, in a sandbox's first request, where it cost 4.7–11.7 ms for Datadog's default
 * format in Viceroy 0.20.1 before it was cached (and warmed up at build time).
 */
export function lintJsonCached(source: string): readonly FormatWarning[] {
  return jsonChecks.get(source, lintJson);
}

export function lintJson(source: string): FormatWarning[] {
  const nodes = parseFormat(source);
  const template = analyzeJsonTemplate(nodes, source.length);
  if (!template) return [];
  const warnings: FormatWarning[] = [];
  if (template.problem) {
    warnings.push(formatWarningAt(source, template.problem.at, `the format is JSON, but no line it renders can parse: ${template.problem.message}`));
  }
  const directives = nodes.filter((n): n is DirectiveNode => n.kind === 'directive');
  directives.forEach((node, i) => {
    const position = template.positions[i];
    if (position === 'after-backslash') warnings.push(formatWarningAt(source, node.pos - 1, backslashProblem(source, node)));
    if (position !== 'bare') return;
    const problem = bareValueProblem(source, node);
    if (problem) warnings.push(formatWarningAt(source, node.pos, problem));
  });
  return warnings;
}

/** The template's lone `\` just before a directive, inside a JSON string (json-template.ts). */
function backslashProblem(source: string, node: DirectiveNode): string {
  const written = source.slice(node.pos, node.letterPos + node.letter.length);
  return (
    `'\\' before ${written} escapes the first character the value prints: on a VCL service a '"' there ends the JSON string, ` +
    `and most letters are no JSON escape; write \\\\ for a backslash (this renderer keeps the line JSON either way)`
  );
}

/** Why this directive, written as a bare JSON value, may not print one; undefined when it always does. */
function bareValueProblem(source: string, node: DirectiveNode): string | undefined {
  const written = source.slice(node.pos, node.letterPos + node.letter.length);
  if (node.letter === 'V' && node.arg) {
    const expr = parseExpression({ source, mapped: node.arg });
    return expressionProblem(source, expr, written);
  }
  if (NUMBER_DIRECTIVES.has(node.letter)) return undefined;
  if (node.letter === 't' && node.arg && TIME_NUMBER_TOKENS.test(node.arg.text)) return undefined;
  if (node.letter === 'b') return `${written} prints '-' for an empty body, which is not a JSON value: write %B (0 for an empty body)`;
  return `${written} prints text here, which is not a JSON value (and a client could write JSON into it): write it inside quotes, "${written}"`;
}

function expressionProblem(source: string, expr: ExprNode, written: string): string | undefined {
  // A variable Compute has no source for prints null here (log-format.ts); lint.ts lists it.
  if (expr.kind === 'var' && lookupVariable(expr.name)?.noComputeSource) return undefined;
  const never = expr.kind === 'call' && expr.name === 'if' ? neverSetBranch(expr.args) : undefined;
  if (never) {
    return `${written} prints nothing here when it picks ${never}: Compute never sets it, if() turns that into an empty string, and nothing is not a JSON value; write "null" in its place`;
  }
  if (alwaysJsonValue(source, expr)) return undefined;
  return `${written} prints text here, which is not a JSON value (and a client could write JSON into it): write it inside quotes with json.escape, as "%{json.escape(…)}V", or make it print a number, true, false or null`;
}

/** The variable Compute never sets that an `if` branch is, if any. */
function neverSetBranch(args: readonly ExprNode[]): string | undefined {
  for (const branch of args.slice(1)) {
    if (branch.kind === 'var' && lookupVariable(branch.name)?.noComputeSource) return branch.name;
  }
  return undefined;
}

/** Whether every value `expr` can print parses as JSON. */
function alwaysJsonValue(source: string, expr: ExprNode): boolean {
  switch (expr.kind) {
    case 'string':
      return parsesAsJson(expr.value);
    case 'number':
    case 'bool':
    case 'not':
    case 'logical':
    case 'compare':
    case 'match':
      return true;
    case 'var':
      if (NUMERIC_TEXT_VARIABLE.test(expr.name)) return true;
      break;
    case 'call':
      if (expr.name === 'if') return expr.args.length === 3 && alwaysJsonValue(source, expr.args[1]) && alwaysJsonValue(source, expr.args[2]);
      break;
    case 'concat': {
      // "%22" json.escape(x) "%22": a quoted string whose inside is escaped.
      const first = expr.parts[0];
      const last = expr.parts[expr.parts.length - 1];
      const inner = expr.parts.slice(1, -1);
      return (
        first.kind === 'string' &&
        last.kind === 'string' &&
        first.value.startsWith('"') &&
        last.value.endsWith('"') &&
        inner.every((p) => p.kind === 'call' && p.name === 'json.escape')
      );
    }
  }
  // Numbers, BOOL (1/0) and RTIME print JSON numbers; TIME, STRING and IP print text.
  const type = new ExpressionCompiler(source).compile(expr).type;
  return type === 'INTEGER' || type === 'FLOAT' || type === 'RTIME' || type === 'BOOL';
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
