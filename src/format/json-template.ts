/**
 * Formats that are JSON templates (Fastly's Kinesis, Datadog and BigQuery formats, and most real
 * ones): where each directive sits in the JSON, and the string repair that keeps any value from
 * breaking out of the JSON string it is written in.
 *
 * Owns: recognising a JSON template (its first character is `{` or `[`), the JSON position of
 * each directive (inside a string, or a bare value), the first structural problem of the
 * template's own text (for lint.ts), and `repairJsonStringFragment`.
 * Does not own: what a directive prints (directives.ts) or the warnings' wording (lint.ts).
 *
 * The repair (applied by log-format.ts to every per-request part inside a JSON string): a value
 * that is already a valid JSON string fragment is left byte for byte as it is (so json.escape
 * output, plain text, and anything Fastly's line would also print correctly are unchanged); only
 * what would end the string or make it invalid is escaped: an unescaped `"`, a `\` that does not
 * start a JSON escape (or ends the value), a control character, and a byte of invalid UTF-8
 * (U+DC80..U+DCFF in the engine's byte model, written as U+FFFD). A client can therefore not
 * forge a field (`Fastly-Client-IP: 1.2.3.4","is_tls":"false`) or break the record
 * (`Fastly-Orig-Host: h"}`), whichever header the format prints raw. Fastly prints such values
 * raw; this is the one place where the line differs, and only where Fastly's would not be the
 * JSON the format intends.
 *
 * A lone `\` of the template just before a directive (`"C:\%{req.http.X-Dir}V"`) escapes the
 * value's first character, whatever it is: a `"` there would end the string, a `"` from json.escape
 * (`\"`) would turn into `\\"`, a digit is no JSON escape. log-format.ts repairs that backslash
 * and the value as one fragment, so the same rule holds: the line is Fastly's byte for byte where
 * that parses (`C:\"abc`), and a JSON string otherwise (`C:\\x` for `x`).
 */
import type { FormatNode } from './ast.js';

/**
 * Where a directive is written: inside a JSON string; inside one just after a lone `\` of the
 * template, which then escapes the value's first character (`"C:\%{req.http.X-Dir}V"`); or as a
 * bare value.
 */
export type JsonPosition = 'string' | 'after-backslash' | 'bare';

export interface JsonTemplate {
  /** For each directive node, in order: where it is written. */
  readonly positions: readonly JsonPosition[];
  /** The first problem of the template's own text (its JSON cannot parse whatever the values). */
  readonly problem?: TemplateProblem;
}

export interface TemplateProblem {
  /** Offset in the format source. */
  readonly at: number;
  readonly message: string;
}

const JSON_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** The template's shape, or undefined when the format is not a JSON template. */
export function analyzeJsonTemplate(nodes: readonly FormatNode[], sourceLength: number): JsonTemplate | undefined {
  const first = nodes[0];
  if (!first || first.kind !== 'literal' || !/^\s*[[{]/.test(first.text)) return undefined;
  return new TemplateScanner(nodes, sourceLength).scan();
}

/** Where the scanner is in the JSON grammar. */
type Expect = 'value' | 'key' | 'colon' | 'comma-or-close' | 'end';

class TemplateScanner {
  private readonly positions: JsonPosition[] = [];
  private problemFound?: TemplateProblem;
  /** Source offsets of the literal being scanned, or the directive's position. */
  private offsets: readonly number[] = [];
  /** Open containers: `}` or `]`. */
  private readonly closers: string[] = [];
  private expect: Expect = 'value';
  private inString = false;
  /** Whether the string being read is a key (then a colon follows). */
  private stringIsKey = false;
  /** Whether the literal just scanned ended inside a string with a `\` that escapes nothing yet. */
  private danglingBackslash = false;

  constructor(
    private readonly nodes: readonly FormatNode[],
    private readonly sourceLength: number,
  ) {}

  scan(): JsonTemplate {
    for (const n of this.nodes) {
      if (n.kind === 'directive') {
        this.offsets = [n.pos];
        this.directive();
      } else {
        this.offsets = n.offsets;
        this.literal(n.text);
      }
    }
    if (this.inString || this.closers.length > 0) {
      this.offsets = [];
      const open = this.closers.at(-1) === '}' ? 'object' : 'array';
      this.problem(0, this.inString ? 'the line ends inside a JSON string: expected a closing \'"\'' : `the line ends with a JSON ${open} still open: expected '${this.closers.at(-1)}'`);
    }
    return { positions: this.positions, problem: this.problemFound };
  }

  private directive(): void {
    if (this.inString) {
      this.positions.push(this.danglingBackslash ? 'after-backslash' : 'string');
      this.danglingBackslash = false;
      return;
    }
    this.positions.push('bare');
    if (this.expect === 'value') this.expect = this.afterValue();
    else this.problem(0, `a value is written here, where JSON expects ${this.describeExpected()}`);
  }

  private literal(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inString) i = this.stringChar(text, i);
      else if (c === ' ' || c === '\t') continue;
      else if (this.problemFound) this.inString = c === '"';
      else {
        this.structural(text, i);
        if (!this.problemFound && /[-0-9tfn]/.test(c)) i = this.scalar(text, i);
      }
    }
  }

  /** One character inside a string; returns the index of the last character consumed. */
  private stringChar(text: string, i: number): number {
    const c = text[i];
    if (c === '"') {
      this.inString = false;
      this.expect = this.stringIsKey ? 'colon' : this.afterValue();
      return i;
    }
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) {
        // The escaped character is the first one the next directive prints (json-lint.ts warns).
        this.danglingBackslash = true;
        return i;
      }
      if (next === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : !JSON_ESCAPES.has(next)) {
        this.problem(i, `'\\${next}' is not a JSON escape (JSON knows \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\${next === 'u' ? 'u' : next} for a backslash followed by '${next}'`);
      }
      return i + 1;
    }
    if (c.charCodeAt(0) < 0x20) {
      this.problem(i, `a control character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}) inside a JSON string: write it as an escape such as \\t`);
    }
    return i;
  }

  private structural(text: string, i: number): void {
    const c = text[i];
    if (c === '"') {
      if (this.expect !== 'value' && this.expect !== 'key') this.problem(i, `unexpected '"': JSON expects ${this.describeExpected()}`);
      this.stringIsKey = this.expect === 'key';
      this.inString = true;
      return;
    }
    if (c === '{' || c === '[') {
      if (this.expect !== 'value') return this.problem(i, `unexpected '${c}': JSON expects ${this.describeExpected()}`);
      this.closers.push(c === '{' ? '}' : ']');
      this.expect = c === '{' ? 'key' : 'value';
      return;
    }
    if (c === '}' || c === ']') {
      const open = this.closers.at(-1);
      const emptyContainer = (c === '}' && this.expect === 'key') || (c === ']' && this.expect === 'value');
      if (open !== c || !(this.expect === 'comma-or-close' || emptyContainer) || (emptyContainer && !this.justOpened(text, i))) {
        return this.problem(i, `unexpected '${c}': JSON expects ${this.describeExpected()}`);
      }
      this.closers.pop();
      this.expect = this.afterValue();
      return;
    }
    if (c === ',') {
      if (this.expect !== 'comma-or-close') return this.problem(i, `unexpected ',': JSON expects ${this.describeExpected()}`);
      this.expect = this.closers.at(-1) === '}' ? 'key' : 'value';
      return;
    }
    if (c === ':') {
      if (this.expect !== 'colon') return this.problem(i, `unexpected ':': JSON expects ${this.describeExpected()}`);
      this.expect = 'value';
      return;
    }
    if (!/[-0-9tfn]/.test(c) || this.expect !== 'value') {
      this.problem(i, `unexpected '${c}': JSON expects ${this.describeExpected()}`);
    }
  }

  /** A literal number, true, false or null; returns the index of its last character. */
  private scalar(text: string, i: number): number {
    const m = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)/.exec(text.slice(i));
    if (!m) {
      this.problem(i, `'${text.slice(i).split(/[\s,}\]]/)[0]}' is not a JSON value: write a string in quotes, a number, true, false or null`);
      return i;
    }
    this.expect = this.afterValue();
    return i + m[0].length - 1;
  }

  /** Whether `text[i]` closes a container opened by the previous non-space character. */
  private justOpened(text: string, i: number): boolean {
    const before = text.slice(0, i).trimEnd();
    return before.endsWith('{') || before.endsWith('[');
  }

  private afterValue(): Expect {
    return this.closers.length === 0 ? 'end' : 'comma-or-close';
  }

  private describeExpected(): string {
    switch (this.expect) {
      case 'value':
        return 'a value';
      case 'key':
        return "a key in quotes (or '}')";
      case 'colon':
        return "':' after the key";
      case 'comma-or-close':
        return `',' or '${this.closers.at(-1)}'`;
      case 'end':
        return 'the end of the line (the JSON value is complete)';
    }
  }

  /** Records the first problem only: after one, positions are still collected but not judged. */
  private problem(offset: number, message: string): void {
    this.problemFound ??= { at: this.offsets[offset] ?? this.sourceLength, message };
  }
}

const NEEDS_REPAIR = /["\\\u0000-\u001f\udc80-\udcff]/;
const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` made safe inside a JSON string, changed only where it would end or break the string. */
export function repairJsonStringFragment(text: string): string {
  if (!NEEDS_REPAIR.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const code = c.charCodeAt(0);
    if (c === '\\') {
      const next = text[i + 1];
      const valid = next === 'u' ? /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : next !== undefined && JSON_ESCAPES.has(next);
      if (valid) {
        out += c + next;
        i++;
      } else out += '\\\\';
    } else if (c === '"') out += '\\"';
    else if (code < 0x20) out += SHORT_ESCAPES[c] ?? `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code >= 0xdc80 && code <= 0xdcff && !isLowSurrogateOfPair(text, i)) out += '\ufffd';
    else out += c;
  }
  return out;
}

function isLowSurrogateOfPair(text: string, i: number): boolean {
  const before = i > 0 ? text.charCodeAt(i - 1) : 0;
  return before >= 0xd800 && before <= 0xdbff;
}
