/**
 * Compile once, render many: the public entry points of the engine.
 *
 * Owns: `compileFormat` (format string → LogFormat), `compileCondition` (VCL boolean expression
 * → Condition, for `response_condition`), the per-instance caches of both (module-level Maps,
 * so a reused Compute sandbox compiles each configured string once), the warnings for the regexes
 * of each whose engine caps the subjects they match (`regexWarningsOf`: found while compiling, so
 * reading them at load costs nothing), and the render loop with
 * its guarantees: a rendered line never contains a raw newline (§11.6: LF and CR from data are
 * written as the two characters `
` / `
`); rendering never throws (a part that fails renders
 * as the empty string, as a failing `%{…}V` does on Fastly, §1.7); rendering costs O(maxChars):
 * it stops once the line, or any value built for it, is longer than that (render-context.ts); and
 * in a JSON template, every per-request part written inside a JSON string is repaired so that no
 * value can end the string early (json-template.ts).
 * Does not own: parsing (format-parser.ts, expr-parser.ts), typing (expr-compiler.ts), or what
 * each directive prints (directives.ts).
 */
import type { RequestFacts } from '../facts/request-facts.js';
import type { MappedText } from './ast.js';
import { compileDirective, NO_VALUE, type DynamicPart, type Part } from './directives.js';
import { formatErrorAt, formatWarningAt, type FormatWarning } from './errors.js';
import { probeFactsRead, type FactsRead } from './facts-read.js';
import { ExpressionCompiler } from './expr-compiler.js';
import { parseExpression } from './expr-parser.js';
import { parseFormat } from './format-parser.js';
import { analyzeJsonTemplate, repairJsonStringFragment, type JsonPosition } from './json-template.js';
import { escapeNewlines, hasNewline, NO_NEWLINES } from './newlines.js';
import { engineWarning, type RegexObserver } from './regex/index.js';
import { LineLimitExceeded, RenderContext, type RenderOptions } from './render-context.js';
import { TextKeyedCache } from './text-cache.js';
import { NOT_SET_TEXT } from './values.js';

/** A compiled format, from `compileFormat`: render it once per request. */
export interface LogFormat {
  /** The format source this was compiled from. */
  readonly source: string;
  /**
   * Never throws: a part that fails renders as "" (§1.7). `onPartError`, when given, hears of each
   * such failure (the handler reports it; tests rethrow it to see it). A value longer than
   * `options.maxChars` stops the render: `onPartError` hears a LineLimitExceeded for that part and
   * the line returned is longer than maxChars (what was rendered, then the start of that value),
   * so that a caller enforcing the limit treats it as oversize.
   */
  render(facts: RequestFacts, onPartError?: PartErrorObserver, options?: RenderOptions): string;
  /** The request facts a render reads (facts-read.ts): the handler counts a body only for formats that read it. */
  readonly factsRead: FactsRead;
}

/** Told which part of a format (0-based, in the order of its directives) failed, and why. */
export type PartErrorObserver = (error: unknown, partIndex: number) => void;

/** A compiled VCL condition, from `compileCondition` (e.g. `resp.status >= 500`). */
export interface Condition {
  /** The condition source this was compiled from. */
  readonly source: string;
  /** Whether the condition holds for these facts. */
  test(facts: RequestFacts): boolean;
  /** The request facts the test reads (facts-read.ts). */
  readonly factsRead: FactsRead;
}

export { COMPILE_CACHE_MAX_ENTRIES } from './text-cache.js';

const formatCache = new TextKeyedCache<LogFormat>();
const conditionCache = new TextKeyedCache<Condition>();

/** Compiles a format-version-2 string; throws FormatError when it does not parse. Cached. */
export function compileFormat(source: string): LogFormat {
  return formatCache.get(source, (text) => compileFormatUncached(text));
}

/** Compiles a VCL boolean expression; throws FormatError when it does not parse. Cached. */
export function compileCondition(source: string): Condition {
  return conditionCache.get(source, compileConditionUncached);
}

const regexWarnings = new WeakMap<LogFormat | Condition, readonly FormatWarning[]>();

/**
 * The warnings for the regexes of a compiled format or condition that run on the backtracking
 * engine (regex/warnings.ts), in source order, each at its construct; none for most.
 */
export function regexWarningsOf(compiled: LogFormat | Condition): readonly FormatWarning[] {
  return regexWarnings.get(compiled) ?? [];
}

/** An observer that turns each regex whose engine caps its subjects (regex/warnings.ts) into a warning at its place in `source`. */
function warnAboutRegexes(source: string, warnings: FormatWarning[]): RegexObserver {
  return (_pattern, regex, offsets) => {
    const warning = engineWarning(regex);
    if (warning) warnings.push(formatWarningAt(source, offsets[warning.index] ?? offsets[0] ?? 0, warning.message));
  };
}

/** compileFormat without the cache (the benchmark's parse-on-every-request baseline uses it). */
export function compileFormatUncached(source: string): LogFormat {
  const warnings: FormatWarning[] = [];
  const expressions = new ExpressionCompiler(source, warnAboutRegexes(source, warnings));
  const directives = {
    fail: (pos: number, reason: string): never => expressions.fail(pos, reason),
    expression: (arg: MappedText) => expressions.compile(parseExpression({ source, mapped: arg })),
  };
  const parts: Array<string | DynamicPart> = [];
  const nodes = parseFormat(source);
  const jsonPositions = analyzeJsonTemplate(nodes, source.length)?.positions;
  let directiveIndex = 0;
  const factsRead = expressions.factsRead;
  for (const node of nodes) {
    let part: string | DynamicPart;
    if (node.kind === 'literal') part = node.text;
    else {
      const position = jsonPositions?.[directiveIndex++];
      // The template's lone `\` before this directive is repaired together with the value.
      if (position === 'after-backslash') parts[parts.length - 1] = (parts[parts.length - 1] as string).slice(0, -1);
      const compiled = compileDirective(node, directives);
      // A %{…}V part is not run here: its expression's reads were noted as it compiled.
      if (node.letter !== 'V' && typeof compiled === 'object') probeFactsRead(compiled.text, factsRead);
      part = placed(compiled, position);
    }
    const last = parts.length - 1;
    if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + part;
    else parts.push(part);
  }
  const format = new CompiledFormat(source, parts, factsRead);
  if (warnings.length > 0) regexWarnings.set(format, warnings);
  return format;
}

/** What NO_VALUE prints where it stands (directives.ts): JSON's null, nothing, or Fastly's `(null)`. */
const NO_VALUE_TEXT: Record<JsonPosition | 'text', string> = {
  text: NOT_SET_TEXT,
  bare: 'null',
  string: '',
  'after-backslash': repairJsonStringFragment('\\'),
};

/**
 * A part as its place in a JSON template needs it. Inside a JSON string, a per-request part is
 * repaired so no value can break out (json-template.ts), unless its text cannot hold anything to
 * repair (numbers, times, json.escape). After a lone `\` of the template the repair always runs,
 * on that backslash and the value together: the backslash escapes the value's first character,
 * whatever it is (a `"` from json.escape would end the string, a digit is no JSON escape).
 */
function placed(part: Part, position: JsonPosition | undefined): string | DynamicPart {
  if (part === NO_VALUE) return NO_VALUE_TEXT[position ?? 'text'];
  if (position === 'after-backslash') {
    if (typeof part === 'string') return repairJsonStringFragment(`\\${part}`);
    const text = part.text;
    return { ...part, text: (ctx) => `\\${text(ctx)}`, jsonSafe: false, repairForJsonString: true };
  }
  if (position !== 'string' || typeof part === 'string' || part.jsonSafe) return part;
  return { ...part, repairForJsonString: true };
}

/** What the render loop does with a part's text: keep it, escape its newlines, or repair it for a JSON string. */
const AS_IS = 0;
const ESCAPE_NEWLINES = 1;
const REPAIR_FOR_JSON_STRING = 2;
type Treatment = typeof AS_IS | typeof ESCAPE_NEWLINES | typeof REPAIR_FOR_JSON_STRING;

function treatmentOf(part: DynamicPart): Treatment {
  if (part.repairForJsonString) return REPAIR_FOR_JSON_STRING; // the repair escapes newlines too
  return part.newlineRisk === NO_NEWLINES ? AS_IS : ESCAPE_NEWLINES;
}

/**
 * The compiled parts as `head (text₀ tail₀) (text₁ tail₁) …`: fixed text first, then each
 * per-request text function followed by the fixed text after it (possibly empty), and what each
 * function's text needs (newlines.ts, the JSON-string repair), so the render loop has no type dispatch. Literal text
 * never needs the newline check: the parser already turned the format's own newlines into spaces.
 */
class CompiledFormat implements LogFormat {
  private readonly head: string;
  private readonly texts: ReadonlyArray<(ctx: RenderContext) => string>;
  private readonly tails: readonly string[];
  private readonly treatments: readonly Treatment[];

  constructor(
    readonly source: string,
    parts: ReadonlyArray<string | DynamicPart>,
    readonly factsRead: FactsRead,
  ) {
    let head = '';
    const texts: Array<(ctx: RenderContext) => string> = [];
    const tails: string[] = [];
    const treatments: Treatment[] = [];
    for (const part of parts) {
      if (typeof part === 'string') {
        if (texts.length === 0) head += part;
        else tails[tails.length - 1] += part;
        continue;
      }
      texts.push(part.text);
      tails.push('');
      treatments.push(treatmentOf(part));
    }
    this.head = head;
    this.texts = texts;
    this.tails = tails;
    this.treatments = treatments;
  }

  render(facts: RequestFacts, onPartError?: PartErrorObserver, options?: RenderOptions): string {
    let ctx: RenderContext;
    try {
      ctx = new RenderContext(facts, options);
    } catch (error) {
      onPartError?.(error, 0);
      return this.head + this.tails.join('');
    }
    const { texts, tails, treatments } = this;
    const max = ctx.maxChars;
    let line = this.head;
    let i = 0;
    // One loop; a failing part is handled in the catch and the loop resumes after it, with the
    // same context, so no part is evaluated twice (random functions stay consistent).
    for (;;) {
      try {
        for (; i < texts.length; i++) {
          const s = texts[i](ctx);
          const treatment = treatments[i];
          if (treatment === AS_IS) line += s;
          else if (treatment === ESCAPE_NEWLINES) line += s !== NOT_SET_TEXT && hasNewline(s) ? escapeNewlines(s) : s;
          else line += repairJsonStringFragment(s);
          line += tails[i];
          // Over the bound the line is oversize whatever follows: what delivery keeps of it is here.
          if (line.length > max) return line;
        }
        return line;
      } catch (error) {
        onPartError?.(error, i);
        if (error instanceof LineLimitExceeded) {
          // Stop: the line is over the bound by construction (the value alone is), so delivery
          // truncates or drops it as oversize, counts it and reports it.
          return line + escapeNewlines(error.partial.slice(0, max + 1));
        }
        // An expression that fails renders as the empty string, as on Fastly (§1.7).
        line += tails[i];
        i++;
      }
    }
  }
}

/** compileCondition without the cache. */
export function compileConditionUncached(source: string): Condition {
  if (source.trim() === '') {
    throw formatErrorAt(source, 0, 'expected a condition, such as resp.status >= 500');
  }
  const mapped: MappedText = {
    text: source,
    offsets: Array.from({ length: source.length }, (_, i) => i),
    end: source.length,
  };
  const warnings: FormatWarning[] = [];
  const compiler = new ExpressionCompiler(source, warnAboutRegexes(source, warnings));
  const test = compiler.condition(parseExpression({ source, mapped }), 'a condition');
  const condition: Condition = {
    source,
    factsRead: compiler.factsRead,
    test(facts: RequestFacts): boolean {
      try {
        return test(new RenderContext(facts));
      } catch {
        return false;
      }
    },
  };
  if (warnings.length > 0) regexWarnings.set(condition, warnings);
  return condition;
}
