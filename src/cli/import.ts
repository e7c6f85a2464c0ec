/**
 * `compute-kinesis-logger import <kinesis.json | -> [--conditions <conditions.json>] [--json]`:
 * prints the Config Store items that carry a VCL service's Kinesis logging endpoints over to this
 * app, the commands that create them, the secrets still to create (names and commands, never
 * values), and what became of every input field. The mapping is vcl-kinesis-endpoints.ts; this
 * module reads the files, proves the result with the app's own loader (config/load.ts: an
 * endpoint it refuses is reported, not printed) and writes the output.
 */
import { CONFIG_STORE_NAME, loadServiceConfig, SECRET_STORE_NAME } from '../config/index.js';
import { type CommandSpec, UsageError } from './args.js';
import { lintEndpoint } from './check.js';
import { type CliIo, displayName, EXIT_OK, EXIT_PROBLEMS, InputError, jsonText, parseJsonInput, readInput, terminalSafeIo } from './io.js';
import { ImportInputError, type ImportPlan, planImport, type RefusedEndpoint } from './vcl-kinesis-endpoints.js';

/** Fastly's limit on a Config Store value (README "Configuration"). */
const CONFIG_STORE_VALUE_MAX_CHARS = 8000;
const WAF_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$/;

export const IMPORT_COMMAND = {
  name: 'import',
  summary: "Carry a VCL service's Kinesis logging endpoints over: Config Store items, the secrets to create, and what became of each field.",
  positionals: { usage: '<kinesis.json | ->', min: 1, max: 1 },
  options: {
    conditions: {
      type: 'string',
      value: '<conditions.json>',
      help: 'the output of fastly vcl condition list --version <version> --json, to turn response_condition names into their statements',
    },
    'waf-corp': { type: 'string', value: '<corp>', help: 'Next-Gen WAF corp, for endpoints placed waf_debug (service key waf_corp)' },
    'waf-workspace': { type: 'string', value: '<workspace>', help: 'Next-Gen WAF workspace, for endpoints placed waf_debug (service key waf_workspace)' },
    json: {
      type: 'boolean',
      help: 'print one JSON document {"items", "secrets", "endpoints", "refused"}; its "items" is what check reads and the Config Store holds',
    },
  },
  details: `input: what the Fastly CLI prints for the VCL service's version
  fastly logging kinesis list --service-id <id> --version <version> --json    (or describe --name <endpoint> --json)
  fastly vcl condition list --service-id <id> --version <version> --json      (for --conditions)
or the Fastly API's own answers (GET …/logging/kinesis, GET …/condition). "-" reads standard input.
Secret values in the input (secret_key, access_key) are never printed.

exit status: 0 every endpoint carried over, 1 some were refused (the rest is printed), 2 usage error or unreadable input`,
} satisfies CommandSpec;

interface ImportOutput {
  items: Record<string, string | Record<string, string>>;
  secrets: { key: string; what: string; command: string }[];
  endpoints: { name: string; vcl_name: string; mapped: string[]; notes: string[] }[];
  refused: { vcl_name: string; reason: string }[];
}

export function runImport(file: string, options: { conditions?: string; 'waf-corp'?: string; 'waf-workspace'?: string; json?: boolean }, io: CliIo): number {
  if ((options['waf-corp'] === undefined) !== (options['waf-workspace'] === undefined)) throw new UsageError('--waf-corp and --waf-workspace go together');
  for (const option of ['waf-corp', 'waf-workspace'] as const) {
    const value = options[option];
    // They become Config Store values in printed commands: plain names only, nothing a shell or terminal acts on.
    if (value !== undefined && !WAF_NAME.test(value)) throw new UsageError(`--${option} must be 1-255 of A-Z a-z 0-9 _ . - (not starting with -)`);
  }
  const endpoints = parseJsonInput(readInput(io, file), file);
  const conditions = options.conditions === undefined ? undefined : parseJsonInput(readInput(io, options.conditions), options.conditions);
  let plan: ImportPlan;
  try {
    plan = planImport(endpoints, conditions, { wafCorp: options['waf-corp'], wafWorkspace: options['waf-workspace'] });
  } catch (error) {
    if (error instanceof ImportInputError) throw new InputError(`${displayName(file)}: ${error.message}`);
    throw error;
  }
  const output = proveAndDescribe(plan);
  if (options.json) io.out(`${jsonText(output)}\n`);
  else printImport(output, displayName(file), terminalSafeIo(io));
  return output.refused.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
}

/** Loads the planned items with the app's loader; endpoints it refuses move to `refused`. */
function proveAndDescribe(plan: ImportPlan): ImportOutput {
  const refused: RefusedEndpoint[] = [...plan.refused];
  let accepted = plan.endpoints.filter((endpoint) => {
    const length = JSON.stringify(endpoint.item).length;
    if (length <= CONFIG_STORE_VALUE_MAX_CHARS) return true;
    refused.push({ vclName: endpoint.vclName, reason: `its item would be ${length} characters; Config Store values hold at most ${CONFIG_STORE_VALUE_MAX_CHARS} (shorten the format)` });
    return false;
  });
  const itemsOf = (list: typeof accepted) => ({
    ...(list.length > 0 ? { endpoints: list.map((e) => e.name).join(',') } : {}),
    ...plan.serviceItems,
    ...Object.fromEntries(list.map((e) => [e.name, e.item])),
  });
  // With nothing left to carry over there is nothing to prove (the loader would only miss `endpoints`).
  const config = accepted.length > 0 ? loadServiceConfig(storeOf(itemsOf(accepted))) : { errors: [], endpoints: [] };
  for (const error of config.errors) {
    const endpoint = accepted.find((e) => e.name === error.endpoint);
    const hint = error.field === 'placement' ? ' (--waf-corp, --waf-workspace)' : '';
    if (endpoint) refused.push({ vclName: endpoint.vclName, reason: `${error.key}: ${error.problem}${hint}` });
    else refused.push({ vclName: '(service)', reason: `${error.key}: ${error.problem}` });
  }
  accepted = accepted.filter((e) => !config.errors.some((error) => error.endpoint === e.name));
  const warnings = new Map(config.endpoints.map((endpoint) => [endpoint.name, lintEndpoint(endpoint).map((w) => `⚠ ${w.field}: ${w.message}`)]));
  return {
    items: itemsOf(accepted),
    secrets: accepted.flatMap((e) => e.secrets.map((secret) => ({ ...secret, command: secretCommand(secret.key) }))),
    endpoints: accepted.map((e) => ({ name: e.name, vcl_name: e.vclName, mapped: e.mapped, notes: [...e.notes, ...(warnings.get(e.name) ?? [])] })),
    refused: refused.map((r) => ({ vcl_name: r.vclName, reason: r.reason })),
  };
}

function storeOf(items: Record<string, string | Record<string, string>>) {
  return { get: (key: string) => (Object.hasOwn(items, key) ? configValue(items[key]) : null) };
}

function printImport(output: ImportOutput, file: string, io: CliIo): void {
  for (const refused of output.refused) io.err(`✗ ${refused.vcl_name}: not carried over: ${refused.reason}\n`);
  const entries = Object.entries(output.items);
  if (output.endpoints.length === 0) {
    io.err(`no endpoint of ${file} could be carried over\n`);
    return;
  }
  const lines = entries.map(([key, value]) => `  ${jsonText(key, 0)}: ${jsonText(value, 0)}`);
  io.out(`Config Store ${CONFIG_STORE_NAME}: ${entries.length} items for ${output.endpoints.length} endpoint(s) from ${file}\n{\n${lines.join(',\n')}\n}\n\n`);
  io.out(`Create them (CONFIG_STORE_ID: the id of config store ${CONFIG_STORE_NAME}, from fastly config-store list):\n`);
  for (const [key, value] of entries) {
    // `--key=…` and `--value=…`: a value can never be read as an option of its own.
    io.out(`  fastly config-store-entry update --upsert --store-id "$CONFIG_STORE_ID" --key=${shellWord(key)} --value=${shellQuote(configValue(value))}\n`);
  }
  io.out(
    `\nSecret Store ${SECRET_STORE_NAME}: ${output.secrets.length} secrets to create (SECRET_STORE_ID from fastly secret-store list; ` +
      'each command asks for the value without echoing it; values are not printed here):\n',
  );
  for (const secret of output.secrets) io.out(`  ${secret.command}    # ${secret.what}\n`);
  io.out('\nWhat became of each field:\n');
  for (const endpoint of output.endpoints) {
    const from = endpoint.name === endpoint.vcl_name ? '' : ` (VCL endpoint "${endpoint.vcl_name}")`;
    io.out(`  ${endpoint.name}${from}: carried over ${endpoint.mapped.join(', ') || 'nothing as is'}\n`);
    for (const note of endpoint.notes) io.out(`    - ${note.replaceAll('\n', '\n      ')}\n`);
  }
  if (output.refused.length > 0) io.err(`${output.refused.length} endpoint(s) or setting(s) not carried over; the rest is above.\n`);
}

/** As the Config Store holds it; an endpoint's JSON with terminal controls escaped (jsonText: the same JSON value). */
function configValue(value: string | Record<string, string>): string {
  return typeof value === 'string' ? value : jsonText(value, 0);
}

function secretCommand(key: string): string {
  return `fastly secret-store-entry create --store-id "$SECRET_STORE_ID" --name=${shellWord(key)}`;
}

/** A plain name as it is; anything else quoted (shellQuote). */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(value) ? value : shellQuote(value);
}

/** One POSIX shell word: single quotes, with each ' written as '\''. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
