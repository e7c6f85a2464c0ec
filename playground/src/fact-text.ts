/**
 * Request facts as the page edits them: rows of a VCL name and a value typed as text, to and
 * from the JSON object of VCL names that `factsFromVcl` (src/format/facts-from-vcl.ts) and the
 * CLI's `--facts` read.
 *
 * Owns: the one rule that turns typed text into a JSON value and back. Text that parses as a JSON
 * number, true, false, null, string or array is that value (`503`, `true`, `null` for not set,
 * `["a", "b"]` for a repeated header, `"a\nb"` for a string with a newline); any other text is
 * the string itself. Shown the other way, a string that would read as something else is shown as
 * a JSON string, so every value survives a round trip.
 * Does not own: what a value means for its variable (facts-from-vcl.ts checks and explains that).
 */

/** A JSON value a fact may hold. */
export type FactValue = string | number | boolean | null | FactValue[] | { [key: string]: FactValue };

/** One editable row: a VCL variable name and its value as typed. */
export interface FactRow {
  name: string;
  text: string;
}

/** The value typed `text` stands for. */
export function textToValue(text: string): FactValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  // An object is no fact value; as text it is a header value that happens to look like JSON.
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return text;
  return parsed as FactValue;
}

/** The text that `textToValue` reads back as `value`. */
export function valueToText(value: FactValue): string {
  if (typeof value === 'string' && textToValue(value) === value) return value;
  return JSON.stringify(value);
}

/** Rows for a facts object, in its key order. */
export function rowsFromFacts(facts: Readonly<Record<string, FactValue>>): FactRow[] {
  return Object.entries(facts).map(([name, value]) => ({ name, text: valueToText(value) }));
}

/**
 * The facts object for rows: rows without a name are skipped; of two rows with one name the
 * later counts, and `duplicates` names it so the page can say so.
 */
export function factsFromRows(rows: readonly FactRow[]): { facts: Record<string, FactValue>; duplicates: string[] } {
  const facts: Record<string, FactValue> = {};
  const duplicates: string[] = [];
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '') continue;
    if (Object.hasOwn(facts, name) && !duplicates.includes(name)) duplicates.push(name);
    facts[name] = textToValue(row.text);
  }
  return { facts, duplicates };
}
