// Last step of `npm run build:lib`: the package's dist/ defers re2js as the standalone program
// does (src/format/regex/re2js-deferred.ts says why), so an app that installs the package gets
// the same CPU per request without configuring its bundler.
//  - dist/format/regex/re2js-binding.js, which tsc wrote as a re-export of re2js, re-exports
//    re2js-deferred.js instead (its .d.ts keeps re2js's types);
//  - dist/format/regex/re2js-source.js, tsc's placeholder, becomes re2js's CommonJS build as one
//    string, read from the re2js this package was built against (re2js is MIT; its notice is the
//    first lines of that string).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const regexDir = path.join(root, 'dist/format/regex');
for (const file of ['re2js-binding.js', 're2js-deferred.js', 're2js-source.js']) {
  if (!existsSync(path.join(regexDir, file))) throw new Error(`finish-lib-build: dist/format/regex/${file} is missing: run the tsc steps of build:lib first`);
}
const re2jsCjs = createRequire(import.meta.url).resolve('re2js');
if (!re2jsCjs.endsWith('.cjs')) throw new Error(`finish-lib-build: expected re2js's CommonJS build, found ${re2jsCjs}`);

writeFileSync(
  path.join(regexDir, 're2js-binding.js'),
  "// Written by tools/finish-lib-build.mjs: re2js stays text until a pattern needs RE2 (re2js-deferred.js).\nexport { RE2JS } from './re2js-deferred.js';\n",
);
writeFileSync(
  path.join(regexDir, 're2js-source.js'),
  `// Written by tools/finish-lib-build.mjs: re2js's CommonJS build (${path.relative(root, re2jsCjs)}) as text, for re2js-deferred.js.\nconst RE2JS_SOURCE = ${JSON.stringify(readFileSync(re2jsCjs, 'utf8'))};\nexport default RE2JS_SOURCE;\n`,
);
console.log('finish-lib-build: dist/ defers re2js (re2js-binding.js → re2js-deferred.js, re2js-source.js filled)');
