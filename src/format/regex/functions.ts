/**
 * The VCL uses of a regex: regsub and regsuball
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/regsub/), and the `~` /
 * `!~` operators.
 *
 * Owns: their argument handling (the pattern is a literal compiled with the format; a literal
 * replacement template is parsed then too, a computed one once per distinct value; results are
 * bounded by `ctx.maxChars`), and what they do with a subject longer than the engine's cap: what
 * Fastly does when PCRE stops at its match limit, `fastly.error = "EREGRECUR"` and no match, so
 * regsub and regsuball return their input unchanged, `~` is false and `!~` true (Varnish's
 * VRT_re_match counts an error as no match, and `!~` negates that).
 * Does not own: substitution semantics (regsub.ts), engines and caps (compile.ts), or the typing
 * of `~` (expr-compiler.ts).
 */
import { argText, constantText, type Compiled } from '../coercion.js';
import { riskOf, type FunctionDef } from '../functions/define.js';
import type { RenderContext } from '../render-context.js';
import { regexArg, type CompiledRegex } from './compile.js';
import { matchGroups, parseReplacement, regsub, regsuball, type Replacement } from './regsub.js';

type Substitute = (regex: CompiledRegex, input: string, replacement: Replacement, maxChars: number) => string;

/** What Fastly's `fastly.error` reads after PCRE stops at its limit. */
const GAVE_UP = 'EREGRECUR';

/** False, and `fastly.error` set, when `subject` is longer than the regex's engine matches. */
function withinCap(regex: CompiledRegex, subject: string, ctx: RenderContext): boolean {
  if (subject.length <= regex.maxSubjectChars) return true;
  ctx.fastlyError = GAVE_UP;
  return false;
}

/**
 * False, and `fastly.error` set, when `subject` is longer than the regex finds groups in and it
 * matches (a subject that does not match needs no groups: regsub returns it as it is).
 */
function withinCaptureCap(regex: CompiledRegex, subject: string, ctx: RenderContext): boolean {
  if (!withinCap(regex, subject, ctx)) return false;
  if (subject.length <= regex.maxCaptureChars || !regex.test(subject)) return true;
  ctx.fastlyError = GAVE_UP;
  return false;
}

function substitution(apply: Substitute): FunctionDef {
  return {
    params: ['STRING', 'REGEX', 'STRING'],
    minArgs: 3,
    pure: true,
    newlineRisk: riskOf(0, 2),
    returns: 'STRING',
    build: (args, site) => {
      const input = argText(args[0]);
      const regex = regexArg(args, 1, site);
      const replacementArg: Compiled = args[2];
      const fixed = constantText(replacementArg);
      if (fixed !== undefined) {
        const replacement = parseReplacement(fixed, regex);
        return (ctx: RenderContext) => {
          const subject = input(ctx);
          return withinCaptureCap(regex, subject, ctx) ? ctx.bound(apply(regex, subject, replacement, ctx.maxChars)) : subject;
        };
      }
      // A replacement computed per request (rare) is parsed when it changes, not on every call.
      const replacementText = argText(replacementArg);
      let lastText: string | undefined;
      let lastReplacement: Replacement = { pieces: [], groups: 0 };
      return (ctx: RenderContext) => {
        const subject = input(ctx);
        const text = replacementText(ctx);
        if (!withinCaptureCap(regex, subject, ctx)) return subject;
        if (text !== lastText) {
          lastReplacement = parseReplacement(text, regex);
          lastText = text;
        }
        return ctx.bound(apply(regex, subject, lastReplacement, ctx.maxChars));
      };
    },
  };
}

export const REGEX_FUNCTIONS: Record<string, FunctionDef> = {
  regsub: substitution(regsub),
  regsuball: substitution(regsuball),
};

/**
 * `subject ~ regex` (or `!~` when `negate`); a successful `~` records the match for re.group.N.
 * `subject` reads not set as "".
 */
export function matchOperator(subject: (ctx: RenderContext) => string | null, regex: CompiledRegex, negate: boolean): (ctx: RenderContext) => boolean {
  if (negate) {
    return (ctx) => {
      const s = subject(ctx) ?? '';
      return !(withinCap(regex, s, ctx) && regex.test(s));
    };
  }
  return (ctx) => {
    const s = subject(ctx) ?? '';
    if (!withinCap(regex, s, ctx) || !regex.test(s)) return false;
    ctx.recordMatch(() => matchGroups(regex, s));
    return true;
  };
}
