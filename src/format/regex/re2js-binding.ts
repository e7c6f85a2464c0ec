/**
 * The one place the format engine takes re2js from (linear.ts). Here, re2js itself: what Node,
 * the CLI, the playground and the tests run. The Compute builds swap it for re2js-deferred.ts,
 * which keeps re2js as text until a pattern first needs RE2: the standalone program
 * (webpack.config.js) and the package's dist/ (tools/finish-lib-build.mjs), so an app that
 * installs the package gets the same saving without configuring anything.
 */
export { RE2JS } from 're2js';
