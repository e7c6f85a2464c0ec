/**
 * `compute-kinesis-logger render --format <format|@file> [--facts <facts.json|->] [--json]`:
 * renders one log line with the same engine the Compute app uses, from a JSON object of VCL
 * variable names (src/format/facts-from-vcl.ts). The line goes to stdout; `--json` then checks that
 * it parses as JSON (what Kinesis consumers and Fastly's Kinesis default expect) and says where
 * it does not. Notes about the input, and the format's variables that have no value on Compute,
 * go to stderr and never change the exit status.
 */
import { FactsError, readVclFacts } from '../format/facts-from-vcl.js';
import type { RequestFacts } from '../facts/request-facts.js';
import { formatErrorAt } from '../format/errors.js';
import { compileFormat, FormatError, variablesWithoutComputeValue } from '../format/index.js';
import { findJsonSyntaxError } from '../json/syntax-error.js';
import type { CommandSpec } from './args.js';
import { type CliIo, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, InputError, parseJsonInput, readInput } from './io.js';

export const RENDER_COMMAND = {
  name: 'render',
  summary: 'Render one log line for given request facts, exactly as the app renders it.',
  positionals: { usage: '', min: 0, max: 0 },
  options: {
    format: {
      type: 'string',
      value: '<format | @file>',
      required: true,
      help: 'a Fastly log format (version 2), or @path to read it from a file (one trailing newline is dropped)',
    },
    facts: {
      type: 'string',
      value: '<facts.json | ->',
      help: 'a JSON object of VCL variable names, e.g. {"req.url": "/a?x=1", "resp.status": 200}; "-" reads standard input.\nWithout it: GET / HTTP/1.1, status 200, time.start = now',
    },
    json: { type: 'boolean', help: 'also check that the rendered line is JSON, and say where it stops being JSON' },
  },
  details: 'exit status: 0 rendered (and, with --json, valid JSON), 1 rendered but not JSON (--json), 2 usage error, unusable facts or a format that does not compile',
} satisfies CommandSpec;

export function runRender(options: { format: string; facts?: string; json?: boolean }, io: CliIo): number {
  const source = options.format.startsWith('@') ? readInput(io, options.format.slice(1)).replace(/\r?\n$/, '') : options.format;
  const facts = readFacts(options.facts, io);

  let line: string;
  try {
    line = compileFormat(source).render(facts);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    io.err(`render: format error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const missing = variablesWithoutComputeValue(source).map((m) => m.name);
  if (missing.length > 0) {
    io.err(
      `render: note: no value on Compute (a VCL service has ${missing.length === 1 ? 'it' : 'them'}; here null as a bare JSON value, ` +
        `empty inside quotes, (null) elsewhere): ${missing.join(', ')}\n`,
    );
  }
  io.out(`${line}\n`);
  if (!options.json) return EXIT_OK;
  const problem = findJsonSyntaxError(line);
  if (!problem) return EXIT_OK;
  // The line is the user's own output, so here the excerpt under the caret helps and hides nothing.
  io.err(`render: the line is not JSON: ${formatErrorAt(line, problem.offset, `expected ${problem.expected}, found ${problem.found},`).message}\n`);
  return EXIT_PROBLEMS;
}

/** The request facts from --facts (a file or "-"), or the defaults without it. */
function readFacts(path: string | undefined, io: CliIo): RequestFacts {
  const input = path === undefined ? {} : parseJsonInput(readInput(io, path), path);
  try {
    const vcl = readVclFacts(input);
    for (const note of vcl.notes) io.err(`render: note: ${note}\n`);
    return vcl.facts;
  } catch (error) {
    if (error instanceof FactsError) throw new InputError(`facts: ${error.message}`);
    throw error;
  }
}
