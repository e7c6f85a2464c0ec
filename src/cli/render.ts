/**
 * `compute-kinesis-logger render --format <format|@file> --facts <facts.json|->`: renders one
 * log line with the same engine the Compute app uses, from a JSON object of VCL variable names
 * (src/facts/from-vcl-json.ts). Exit 0 with the line on stdout; exit 2 with the caret report on
 * stderr when the format does not compile; exit 2 on a usage error or unreadable facts.
 */
import { readFileSync } from 'node:fs';
import { FactsError, readVclFacts } from '../facts/from-vcl-json.js';
import { compileFormat, FormatError } from '../format/index.js';

export interface RenderIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Reads a file, or standard input for "-". */
  readFile?: (path: string) => string;
}

export const RENDER_USAGE =
  'usage: compute-kinesis-logger render --format <format | @file> [--facts <facts.json | ->]\n' +
  '  --format  a Fastly log format (version 2), or @path to read it from a file (one trailing newline is dropped)\n' +
  '  --facts   a JSON object of VCL variable names, e.g. {"req.url": "/a?x=1", "resp.status": 200};\n' +
  '            "-" reads standard input; without it: GET / HTTP/1.1, status 200, time.start = now\n';

const EXIT_OK = 0;
const EXIT_USAGE = 2;
const EXIT_FORMAT_ERROR = 2;

export function runRender(args: string[], io: RenderIo): number {
  const read = io.readFile ?? ((path: string) => readFileSync(path === '-' ? 0 : path, 'utf8'));
  let options: { format?: string; facts?: string };
  try {
    options = parseOptions(args);
  } catch (error) {
    io.err(`render: ${(error as Error).message}\n${RENDER_USAGE}`);
    return EXIT_USAGE;
  }
  if (options.format === undefined) {
    io.err(`render: --format is required\n${RENDER_USAGE}`);
    return EXIT_USAGE;
  }

  let source = options.format;
  let facts;
  try {
    if (source.startsWith('@')) source = read(source.slice(1)).replace(/\r?\n$/, '');
    const vcl = readVclFacts(options.facts === undefined ? {} : JSON.parse(read(options.facts)));
    facts = vcl.facts;
    for (const note of vcl.notes) io.err(`render: note: ${note}\n`);
  } catch (error) {
    const what = error instanceof FactsError || error instanceof SyntaxError ? 'facts' : 'input';
    io.err(`render: ${what}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  try {
    io.out(`${compileFormat(source).render(facts)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    io.err(`render: format error: ${error.message}\n`);
    return EXIT_FORMAT_ERROR;
  }
}

function parseOptions(args: string[]): { format?: string; facts?: string } {
  const options: { format?: string; facts?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== '--format' && name !== '--facts') throw new Error(`unknown argument "${arg}"`);
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      i++;
    }
    if (value === undefined) throw new Error(`${name} needs a value`);
    options[name === '--format' ? 'format' : 'facts'] = value;
  }
  return options;
}
