/**
 * What every subcommand shares: its window on the world (CliIo: output, errors, reading files or
 * standard input), the exit codes, and reading user-supplied input without echoing it.
 *
 * Exit codes, for every command: 0 done; 1 done, and the input has problems (check: an invalid
 * endpoint; import: an endpoint that could not be carried over; render --json: the line is not
 * JSON); 2 the command could not run (usage error, unreadable input, a format that does not
 * compile).
 *
 * Output of input: `check` and `import` print text taken from files a user may not have written
 * (a VCL service's endpoints, a colleague's fastly.toml). `terminalSafe` and `jsonText` keep
 * terminal control out of what they print; `render` prints the line as the app would send it.
 */
import { hiddenValue, isShowableName } from '../config/index.js';
import { describeJsonSyntaxError } from '../json/syntax-error.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** A file's text (UTF-8), or standard input's for "-". Throws when it cannot be read. */
  readFile: (path: string) => string;
}

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

/** Input the command cannot use at all (unreadable, not JSON, not the expected shape): exit 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** `path`'s text; a read failure becomes an InputError naming the path and the reason (ENOENT …). */
export function readInput(io: CliIo, path: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code ?? (error instanceof Error ? error.message : String(error));
    throw new InputError(`${displayName(path)}: cannot read it (${reason})`);
  }
}

/**
 * JSON from user input. A parse failure says where and what was expected, never which text was
 * there: the input may hold a secret (a pasted secret key, a `fastly logging kinesis list` answer).
 */
export function parseJsonInput(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(`${displayName(path)}: not JSON: ${describeJsonSyntaxError(text)}`);
  }
}

export function displayName(path: string): string {
  return path === '-' ? 'standard input' : path;
}

/**
 * Characters a terminal acts on instead of showing: C0 controls other than tab and line feed, DEL,
 * C1 controls (U+009B is a one-character CSI), and the bidirectional overrides and isolates that
 * reorder what is shown (CVE-2021-42574, "Trojan Source").
 */
const TERMINAL_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeCharacter(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` with every terminal control character written as a visible `\uXXXX` escape. */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROL, escapeCharacter);
}

/** The same io, printing through terminalSafe. */
export function terminalSafeIo(io: CliIo): CliIo {
  return { ...io, out: (text) => io.out(terminalSafe(text)), err: (text) => io.err(terminalSafe(text)) };
}

/**
 * `JSON.stringify(value, null, indent)`, with the characters it leaves raw that a terminal acts on
 * (DEL, C1 controls, bidirectional controls, line and paragraph separators) written as `\uXXXX`
 * escapes: the same JSON value, safe to print.
 */
export function jsonText(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(TERMINAL_CONTROL, escapeCharacter);
}

/** A key from the input as a message may show it: `main`, or `<20 characters, not shown>` (config/quote.ts). */
export function shownKey(key: string): string {
  return isShowableName(key) ? key : hiddenValue(key);
}
