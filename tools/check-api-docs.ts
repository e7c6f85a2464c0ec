/**
 * `npm run test:docs`: the API reference in docs/api is current and complete.
 * Runs TypeDoc with typedoc.json (warnings are errors: an export without a TSDoc comment fails)
 * into a temporary directory, then compares that output with the committed docs/api, file by file.
 * Owns the check only; `npm run docs:api` writes docs/api.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMMITTED = path.join(ROOT, 'docs/api');

function files(dir: string, prefix = ''): string[] {
  let found: string[];
  try {
    found = readdirSync(dir);
  } catch {
    return [];
  }
  return found.flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

const out = mkdtempSync(path.join(os.tmpdir(), 'ckl-api-docs-'));
try {
  try {
    execFileSync(path.join(ROOT, 'node_modules/.bin/typedoc'), ['--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    console.error(`${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    console.error('test:docs: TypeDoc failed (above). Every export of the package entries needs a TSDoc comment.');
    process.exit(1);
  }
  const generated = files(out).sort();
  const committed = files(COMMITTED).sort();
  const problems = [
    ...generated.filter((f) => !committed.includes(f)).map((f) => `docs/api/${f} is missing`),
    ...committed.filter((f) => !generated.includes(f)).map((f) => `docs/api/${f} is no longer generated`),
    ...generated
      .filter((f) => committed.includes(f) && readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(COMMITTED, f), 'utf8'))
      .map((f) => `docs/api/${f} differs from what the code's comments generate`),
  ];
  if (problems.length > 0) {
    console.error(problems.map((p) => `✗ ${p}`).join('\n'));
    console.error('test:docs: the API reference is out of date: run `npm run docs:api` and commit docs/api.');
    process.exit(1);
  }
  console.log(`test:docs: docs/api is current (${generated.length} files)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
