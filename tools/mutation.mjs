/**
 * `npm run test:mutation [-- target ...]`: Stryker's mutation testing over the code whose
 * boundaries matter most, one target at a time, with the unit project only
 * (stryker.config.json, vitest.mutation.config.ts). Not part of `npm test`: it takes tens of
 * minutes on 2 cores.
 *
 *   targets   delivery (src/delivery), budget (src/aws/budget.ts), facts (src/facts),
 *             json-template (src/format/json-template.ts); default: all four, in that order
 *
 * Each target keeps its own incremental file and reports under reports/mutation/<target>/
 * (gitignored): a second run re-tests only the mutants whose code or covering tests changed.
 * Prints one score line per target at the end.
 *
 * Stryker 10 refuses Node < 22 in its command line only (stryker-cli.js checks process.version
 * when it is loaded); this project runs on Node 20, where Stryker's own API works, so the runner
 * is loaded from its file and called directly.
 */
import { Stryker } from '../node_modules/@stryker-mutator/core/dist/src/stryker.js';

const TARGETS = {
  delivery: ['src/delivery/**/*.ts', '!src/delivery/index.ts'],
  budget: ['src/aws/budget.ts'],
  facts: ['src/facts/**/*.ts'],
  'json-template': ['src/format/json-template.ts'],
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in TARGETS));
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.map((n) => JSON.stringify(n)).join(', ')}: choose from ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}

const scores = [];
for (const name of asked.length > 0 ? asked : Object.keys(TARGETS)) {
  const dir = `reports/mutation/${name}`;
  const stryker = new Stryker({
    configFile: 'stryker.config.json',
    mutate: TARGETS[name],
    incrementalFile: `${dir}/incremental.json`,
    htmlReporter: { fileName: `${dir}/index.html` },
    jsonReporter: { fileName: `${dir}/mutation.json` },
  });
  const results = await stryker.runMutationTest();
  const count = (...statuses) => results.filter((m) => statuses.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  const score = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
  scores.push(`${name.padEnd(14)} ${score.toFixed(2).padStart(6)} %  (${detected} killed or timed out, ${count('Survived')} survived, ${count('NoCoverage')} not covered, ${count('CompileError', 'RuntimeError')} errors)`);
}
console.log(`\nMutation scores\n${scores.join('\n')}`);
