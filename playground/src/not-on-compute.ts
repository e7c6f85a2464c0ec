/**
 * Which VCL variables a format reads that have no value on Compute.
 *
 * Owns: walking a compiled-clean format's `%{…}V` expressions and keeping each variable the
 * engine always reads as not set here (variables.ts marks them as constants whose value is null:
 * the same test json-lint.ts applies). Names in source order, each once.
 * Does not own: the list itself (src/format/variables.ts, NOT_PROVIDED_IN_COMPUTE).
 *
 * A stand-in: the format engine is gaining its own listing function (branch json-lines). When it
 * lands, `variablesWithoutValueOnCompute` becomes a call to it and this walk goes away; the page
 * calls nothing else here.
 */
import type { ExprNode } from '../../src/format/ast.js';
import { parseExpression } from '../../src/format/expr-parser.js';
import { parseFormat } from '../../src/format/format-parser.js';
import { lookupVariable } from '../../src/format/variables.js';

/** The variables `source` reads that Compute never sets; call only for a format that compiles. */
export function variablesWithoutValueOnCompute(source: string): string[] {
  const found = new Set<string>();
  for (const node of parseFormat(source)) {
    if (node.kind !== 'directive' || node.letter !== 'V' || !node.arg) continue;
    collect(parseExpression({ source, mapped: node.arg }), found);
  }
  return [...found];
}

function collect(expr: ExprNode, found: Set<string>): void {
  switch (expr.kind) {
    case 'var':
      if (lookupVariable(expr.name)?.constant?.value === null) found.add(expr.name);
      return;
    case 'call':
      for (const arg of expr.args) collect(arg, found);
      return;
    case 'concat':
      for (const part of expr.parts) collect(part, found);
      return;
    case 'not':
      collect(expr.operand, found);
      return;
    case 'logical':
    case 'compare':
    case 'match':
      collect(expr.left, found);
      collect(expr.right, found);
      return;
    case 'string':
    case 'number':
    case 'bool':
      return;
  }
}
