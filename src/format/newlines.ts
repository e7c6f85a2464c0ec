/**
 * §11.6: a rendered line never contains a raw newline. Owns the escaping of LF and CR from data
 * as the two characters `\n` / `\r`, the cheap test for them (String.indexOf, an order of
 * magnitude faster than a regex scan on long lines), and the risk flag the compiler attaches to
 * each part so that the render loop checks only parts that can carry a newline:
 *
 *   NO_NEWLINES        numbers, BOOL, times, escaped or hashed text, constants without one
 *   MAY_HAVE_NEWLINES  raw facts (headers, URL, geo names …), functions that keep their input's
 *                      characters, and text that can create one (urldecode, `%n`, LF)
 *
 * Checking the parts, rather than the finished line, avoids flattening and rescanning a 2 KB
 * line; checking every raw fact up front would cost more than the few parts a format reads.
 */

export type NewlineRisk = 0 | 1;
export const NO_NEWLINES: NewlineRisk = 0;
export const MAY_HAVE_NEWLINES: NewlineRisk = 1;

export function maxRisk(...risks: Array<NewlineRisk | undefined>): NewlineRisk {
  for (const r of risks) if (r !== NO_NEWLINES) return MAY_HAVE_NEWLINES;
  return NO_NEWLINES;
}

export function hasNewline(s: string): boolean {
  return s.indexOf('\n') !== -1 || s.indexOf('\r') !== -1;
}

const NEWLINES = /[\r\n]/g;

export function escapeNewlines(s: string): string {
  return hasNewline(s) ? s.replace(NEWLINES, (c) => (c === '\n' ? '\\n' : '\\r')) : s;
}
