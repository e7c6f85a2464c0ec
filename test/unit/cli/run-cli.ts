/**
 * Runs the CLI's dispatcher in-process against an in-memory file system: what the process would
 * print and its exit status. Files are paths → text; "-" is standard input.
 */
import { runCli } from '../../../src/cli/commands.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export function cli(argv: string[], files: Record<string, string> = {}): CliResult {
  let out = '';
  let err = '';
  const code = runCli(argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  });
  if (typeof code !== 'number') throw new Error(`${argv[0]} runs until stopped: test it through its run function`);
  return { code, out, err };
}
