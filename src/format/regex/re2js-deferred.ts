/**
 * re2js for Compute programs, evaluated only when a pattern first needs RE2. It stands in for
 * re2js-binding.ts in the standalone program (webpack.config.js) and in the package's dist/
 * (tools/finish-lib-build.mjs); Node, the CLI, the playground and the tests use re2js itself.
 *
 * Why: js-compute-runtime runs a full garbage collection after every request of a reused sandbox
 * (its StarlingMonkey patch `Engine::reset`), and its cost grows with everything the program
 * keeps, its code included. re2js is 263 KB of code, more than a third of the bundle, and most
 * services never run a pattern on RE2 (Fastly's formats do not). Measured in Viceroy 0.20.1,
 * a proxy that bundles re2js costs 0.5–0.7 ms more CPU per request than one that does not, even
 * when it never calls it; importing it lazily (webpack `require` inside a function) saved nothing,
 * since the functions of an uncalled module still exist. Kept as a string, it costs the same as no
 * re2js at all.
 *
 * The price: the first pattern on RE2 in a sandbox evaluates the string first, about 19 ms of CPU
 * once per sandbox (Viceroy 0.20.1), on top of compiling the pattern. docs/log-format.md (RE2)
 * says so, and so does the warning for every pattern on RE2.
 *
 * The string is re2js's own CommonJS build (re2js-source.ts, replaced by each build); the
 * runtime's SpiderMonkey evaluates it with `new Function`, inside the Wasm, as on Fastly.
 */
import type * as Re2Module from 're2js';
import RE2JS_SOURCE from './re2js-source.js';

let loaded: typeof Re2Module | undefined;

function load(): typeof Re2Module {
  if (!loaded) {
    if (!RE2JS_SOURCE) throw new Error('re2js-source.ts is still the placeholder: this build did not put re2js in it (see webpack.config.js, tools/finish-lib-build.mjs)');
    const module = { exports: {} as typeof Re2Module };
    new Function('module', 'exports', RE2JS_SOURCE)(module, module.exports);
    loaded = module.exports;
  }
  return loaded;
}

/** The one member of re2js this program calls (linear.ts): `RE2JS.compile`. */
export const RE2JS = {
  compile(source: string, flags?: number): Re2Module.RE2JS {
    return load().RE2JS.compile(source, flags);
  },
};
