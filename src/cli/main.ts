/**
 * Entry point of the Node CLI (bundled to bin/cli.cjs): dispatches to one subcommand module per
 * file. Each subcommand is `(args, io) => exit code`; adding one means one import and one line
 * in COMMANDS.
 */
import { runCheck } from './check.js';
import { runRender } from './render.js';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const COMMANDS: Record<string, (args: string[], io: Io) => number> = {
  render: runRender,
  check: runCheck,
};

const USAGE =
  'usage: compute-kinesis-logger <command> [options]\n' +
  '  render --format <format|@file> [--facts <facts.json|->]   render one log line\n' +
  '  check <config.json|fastly.toml>                           validate a configuration\n';

export function main(argv: string[], io: Io): number {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.err(name === undefined ? USAGE : `unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  return command(args, io);
}

process.exitCode = main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
