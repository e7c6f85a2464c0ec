/**
 * Command-line arguments for every subcommand, over `node:util` parseArgs: one declaration per
 * command (its options with their help, its positional arguments), from which both the parsing
 * and the `--help` text come, so the help always lists exactly what is accepted.
 *
 * Strict: an unknown option, a missing option value or an extra argument is a UsageError (the
 * CLI exits 2). `--help`/`-h` is accepted by every command. A lone `-` is a positional argument
 * (standard input).
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown after the option in the help, e.g. `<file>`; string options only. */
  value?: string;
  /** A string option the command cannot run without (shown without brackets in the usage line). */
  required?: boolean;
  help: string;
}

export interface CommandSpec<Options extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** The positional arguments as the usage line shows them, e.g. `<config.json | fastly.toml | ->`. */
  positionals: { usage: string; min: number; max: number };
  options: Options;
  /** Paragraphs after the options: input forms, exit codes. */
  details: string;
}

type OptionValue<Option extends OptionSpec> = Option['type'] extends 'string' ? string : boolean;

/** Parsed values: a required option is always there, the others may be absent. */
export type OptionValues<Options extends Record<string, OptionSpec>> = {
  [K in keyof Options as Options[K]['required'] extends true ? K : never]: OptionValue<Options[K]>;
} & {
  [K in keyof Options as Options[K]['required'] extends true ? never : K]?: OptionValue<Options[K]>;
};

export type Parsed<Options extends Record<string, OptionSpec>> =
  | { help: true }
  | { help: false; values: OptionValues<Options>; positionals: string[] };

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandArgs<Options extends Record<string, OptionSpec>>(spec: CommandSpec<Options>, args: string[]): Parsed<Options> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(usageProblem(error));
  }
  if (parsed.values.help) return { help: true };
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.required && parsed.values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  const { min, max } = spec.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing ${spec.positionals.usage}`);
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}"${max === 0 ? ' (this command takes options only)' : ''}`);
  }
  return { help: false, values: parsed.values as OptionValues<Options>, positionals: parsed.positionals };
}

/** parseArgs' messages are long and suggest `--`; these say what is wrong in a few words. */
function usageProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(message)) return `${option} needs a value`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(message)) return `${option} takes no value`;
  return message;
}

export function usageLine(program: string, spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([name, option]) => (option.required ? flag(name, option) : `[${flag(name, option)}]`));
  return `usage: ${program} ${spec.name} ${[spec.positionals.usage, ...options].filter(Boolean).join(' ')}`;
}

export function commandHelp(program: string, spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, option]) => [flag(name, option), option.help]);
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const table = rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help.replaceAll('\n', `\n  ${' '.repeat(width)}  `)}`).join('\n');
  return `${usageLine(program, spec)}\n\n${spec.summary}\n\noptions:\n${table}\n\n${spec.details.trimEnd()}\n`;
}

function flag(name: string, option: OptionSpec): string {
  return option.type === 'string' ? `--${name} ${option.value ?? '<value>'}` : `--${name}`;
}
