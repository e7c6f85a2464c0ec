/**
 * Entry point of the Node CLI (bundled to bin/cli.cjs): wires the process's streams and files to
 * the dispatcher (commands.ts), and nothing else.
 */
import { readFileSync } from 'node:fs';
import { runCli } from './commands.js';

const status = runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
});
// local-kinesis and tail answer once stopped; the process ends when nothing else is left to run.
if (typeof status === 'number') process.exitCode = status;
else void status.then((code) => (process.exitCode = code));
