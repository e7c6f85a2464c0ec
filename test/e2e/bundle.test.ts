/**
 * The Compute bundle `npm run build` compiles into bin/main.wasm: re2js is in it as text, evaluated
 * only when a pattern first needs RE2 (src/format/regex/re2js-deferred.ts: its code alone would
 * cost CPU on every request of a reused sandbox). regex-sweep.test.ts and functions.test.ts run
 * patterns on RE2 through it in Viceroy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/viceroy.js';

describe('the Compute bundle', () => {
  it('carries re2js as a string, not as code', () => {
    const bundle = readFileSync(path.join(REPO_ROOT, 'bin/index.cjs'), 'utf8');
    const re2jsClass = 'var RE2JS = class RE2JS {';
    // As code, the class starts a line; as text, it follows an escaped newline inside one literal.
    expect(bundle.split('\n').filter((line) => line.startsWith(re2jsClass))).toEqual([]);
    expect(bundle).toContain(`\\n${re2jsClass}`);
    expect(bundle).toContain("new Function('module', 'exports'");
  });
});
