/**
 * regsub and regsuball (https://www.fastly.com/documentation/reference/vcl/functions/strings/regsub/).
 *
 * Owns: their argument handling: the pattern is a literal compiled with the format, the
 * replacement template is parsed then too when it is a literal (and once per distinct value when
 * it is computed per request), and the result is bounded by `ctx.maxChars`.
 * Does not own: substitution semantics or regex translation (regsub.ts, pcre.ts).
 */
import { argText, constantText, type Compiled } from '../coercion.js';
import type { RenderContext } from '../render-context.js';
import { parseReplacement, regsub, regsuball, type CompiledRegex, type Replacement } from './regsub.js';
import { regexArg, riskOf, type FunctionDef } from '../functions/define.js';

type Substitute = (regex: CompiledRegex, input: string, replacement: Replacement, maxChars: number) => string;

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
        return (ctx: RenderContext) => ctx.bound(apply(regex, input(ctx), replacement, ctx.maxChars));
      }
      // A replacement computed per request (rare) is parsed when it changes, not on every call.
      const replacementText = argText(replacementArg);
      let lastText: string | undefined;
      let lastReplacement: Replacement = [];
      return (ctx: RenderContext) => {
        const subject = input(ctx);
        const text = replacementText(ctx);
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
