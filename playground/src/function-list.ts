/**
 * The VCL functions the engine knows, as signatures a reader recognises from Fastly's reference:
 * `STRING substr(STRING, INTEGER [, INTEGER])`.
 *
 * Owns: writing a signature from a FunctionDef (src/format/functions.ts): parameter kinds in
 * order, the optional ones in nested brackets, `ID` for a bare name that is not evaluated (a table, a
 * header set), and REGEX for a regex literal.
 * Does not own: the functions or their documentation (docs/vcl-functions.md).
 */
import { FUNCTIONS, type FunctionDef } from '../../src/format/functions.js';

/** One function, as the page lists it. */
export interface FunctionSignature {
  readonly name: string;
  readonly signature: string;
}

/** Every function the engine compiles, sorted by name. */
export function functionSignatures(): FunctionSignature[] {
  return [...FUNCTIONS]
    .map(([name, def]) => ({ name, signature: signatureOf(name, def) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `RETURNS name(P1, P2 [, P3 [, P4]])`. */
export function signatureOf(name: string, def: Pick<FunctionDef, 'params' | 'minArgs' | 'returns'>): string {
  const required = def.params.slice(0, def.minArgs).join(', ');
  const optional = def.params.slice(def.minArgs);
  // Each optional parameter needs the ones before it: `A [, B [, C]]`.
  const tail = optional.map((kind, i) => (i === 0 && required === '' ? `[${kind}` : ` [, ${kind}`)).join('') + ']'.repeat(optional.length);
  return `${def.returns} ${name}(${required}${tail})`;
}
