/**
 * re2js's own CommonJS build as text, for re2js-deferred.ts. This file is only a placeholder:
 * every build that defers re2js replaces it with the text (webpack.config.js for the standalone
 * program, tools/finish-lib-build.mjs for the package's dist/). re2js-deferred.ts refuses the
 * placeholder with a message that says so.
 */
const RE2JS_SOURCE: string = '';
export default RE2JS_SOURCE;
