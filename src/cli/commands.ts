/**
 * The CLI's dispatcher: `compute-kinesis-logger <command> …`, `--help`, `--version`. Each command
 * is its spec (args.ts: options, positionals, help) and a run function; this module parses the
 * arguments against the spec, prints help, and turns the two ways a command can fail to run —
 * UsageError, InputError — into a message on stderr and exit status 2 (io.ts lists the codes).
 * Commands that run until stopped (local-kinesis, tail) answer a promise of their exit status.
 */
import packageJson from '../../package.json' with { type: 'json' };
import { type CommandSpec, commandHelp, type OptionSpec, type OptionValues, parseCommandArgs, UsageError, usageLine } from './args.js';
import { CHECK_COMMAND, runCheck } from './check.js';
import { IMPORT_COMMAND, runImport } from './import.js';
import { type CliIo, EXIT_OK, EXIT_USAGE, InputError, terminalSafe } from './io.js';
import { LOCAL_KINESIS_COMMAND, runLocalKinesis } from './local-kinesis.js';
import { RENDER_COMMAND, runRender } from './render.js';
import { runTail, TAIL_COMMAND } from './tail.js';

export const PROGRAM = 'compute-kinesis-logger';

interface Command {
  spec: CommandSpec;
  execute: (args: string[], io: CliIo) => number | Promise<number>;
}

/** Binds a spec to its run function, keeping the option types the spec declares. */
function command<Options extends Record<string, OptionSpec>>(
  spec: CommandSpec<Options>,
  run: (values: OptionValues<Options>, positionals: string[], io: CliIo) => number | Promise<number>,
): Command {
  return {
    spec,
    execute: (args, io) => {
      const parsed = parseCommandArgs(spec, args);
      if (parsed.help) {
        io.out(commandHelp(PROGRAM, spec));
        return EXIT_OK;
      }
      return run(parsed.values, parsed.positionals, io);
    },
  };
}

const COMMANDS: Command[] = [
  command(RENDER_COMMAND, (values, _, io) => runRender(values, io)),
  command(CHECK_COMMAND, (values, [file], io) => runCheck(file, values, io)),
  command(IMPORT_COMMAND, (values, [file], io) => runImport(file, values, io)),
  command(LOCAL_KINESIS_COMMAND, (values, _, io) => runLocalKinesis(values, io)),
  command(TAIL_COMMAND, (values, _, io) => runTail(values, io)),
];

function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return (
    `usage: ${PROGRAM} <command> [options]\n       ${PROGRAM} --version\n\ncommands:\n` +
    COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`).join('\n') +
    `\n\n${PROGRAM} <command> --help lists what a command accepts.\n`
  );
}

export function runCli(argv: string[], io: CliIo): number | Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(programHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${PROGRAM} ${packageJson.version}\n`);
    return EXIT_OK;
  }
  const found = COMMANDS.find((c) => c.spec.name === name);
  if (!found) {
    io.err(`${name === undefined ? 'no command given' : name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`}\n\n${programHelp()}`);
    return EXIT_USAGE;
  }
  const failed = (error: unknown) => commandFailure(error, found, io);
  try {
    const result = found.execute(args, io);
    return typeof result === 'number' ? result : result.catch(failed);
  } catch (error) {
    return failed(error);
  }
}

/** The exit status for a command that could not run, after its message; anything else is a bug and rethrown. */
function commandFailure(error: unknown, { spec }: Command, io: CliIo): number {
  const name = spec.name;
  if (error instanceof UsageError) {
    io.err(`${name}: ${terminalSafe(error.message)}\n${usageLine(PROGRAM, spec)}\n(${PROGRAM} ${name} --help for details)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof InputError) {
    // An input error may name a path or a key from the input.
    io.err(`${name}: ${terminalSafe(error.message)}\n`);
    return EXIT_USAGE;
  }
  throw error;
}
