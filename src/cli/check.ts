/**
 * `compute-kinesis-logger check <config.json | fastly.toml | ->`: validates every endpoint of a
 * configuration the way the app does at load time (same code: config/load.ts), and lists every
 * problem, with a caret under the offending text for formats and conditions, and warnings (⚠) for
 * regexes whose engine caps the subjects they match (src/format/regex/warnings.ts: RE2, or the
 * backtracking engine for what RE2 lacks). A fastly.toml holds two configurations, `[local_server]`
 * and `[setup]`: each is checked, with the backends and stores its endpoints need from the same
 * place (manifest-resources.ts), and the output says which were read. `--json` prints one JSON document.
 * Input forms: config-sources.ts.
 */
import { secretKeys } from '../aws/credentials.js';
import { CONFIG_STORE_NAME, type ConfigError, type EndpointConfig, loadServiceConfig, redactCredentials, SECRET_STORE_NAME } from '../config/index.js';
import { lintCondition, lintFormat } from '../format/index.js';
import type { CommandSpec } from './args.js';
import { type ConfigSource, readConfigSources } from './config-sources.js';
import { missingResources, type ResourceFinding } from './manifest-resources.js';
import { type CliIo, EXIT_OK, EXIT_PROBLEMS, jsonText, terminalSafeIo } from './io.js';

export const CHECK_COMMAND = {
  name: 'check',
  summary: 'Validate a configuration exactly as the app loads it, listing every problem.',
  positionals: { usage: '<config.json | fastly.toml | ->', min: 1, max: 1 },
  options: {
    json: { type: 'boolean', help: 'print one JSON document (sources, endpoints, problems, warnings) instead of text' },
  },
  details: `input:
  config.json   a JSON object of Config Store items: {"endpoints": "main", "main": {"stream_name": "logs", "region": "us-east-1"}}
                (an endpoint as an object, or as stored: its JSON as a string), or the output of
                fastly config-store-entry list --store-id <id> --json
  fastly.toml   its [local_server.config_stores.${CONFIG_STORE_NAME}] contents (inline, or a json file) and its
                [setup.config_stores.${CONFIG_STORE_NAME}.items], each checked on its own, with the backends
                (kinesis, sts), KV store and secret store (and its keys) that place must declare
  -             standard input: JSON when it starts with { or [{, TOML otherwise

exit status: 0 every endpoint is valid (warnings or not), 1 a problem was found, 2 usage error or unreadable input`,
} satisfies CommandSpec;

/** The `endpoint` of findings about the fastly.toml's backends and stores; their `field` is the table to add. */
const MANIFEST = 'manifest';

interface Finding {
  /** The endpoint, `service` for a service key, or `manifest` for a backend or store of a fastly.toml. */
  endpoint: string;
  /** The Config Store key at fault (`main.region`, or a service key), or for `manifest` the table to add. */
  field: string;
  message: string;
}

/** As the app's report names it (config/errors.ts): the key once, `service:` before a service key. */
function findingLine({ endpoint, field, message }: Finding): string {
  return `${endpoint === 'service' ? 'service: ' : ''}${field}: ${message}`;
}

interface SourceReport {
  source: string;
  items: number;
  notes: string[];
  endpoints: EndpointConfig[];
  problems: Finding[];
  warnings: Finding[];
  /** By endpoint: what to do after publishing (manifest-resources.ts). */
  reminders: Map<string, string>;
}

export function runCheck(file: string, options: { json?: boolean }, io: CliIo): number {
  const reports = readConfigSources(file, io).map(checkSource);
  const problems = reports.reduce((sum, report) => sum + report.problems.length, 0);
  if (options.json) io.out(`${jsonText({ file, valid: problems === 0, sources: reports.map(jsonReport) })}\n`);
  else printReports(reports, terminalSafeIo(io));
  return problems === 0 ? EXIT_OK : EXIT_PROBLEMS;
}

function checkSource({ source, items, notes, resources }: ConfigSource): SourceReport {
  const config = loadServiceConfig({ get: (key) => (Object.hasOwn(items, key) ? items[key] : null) });
  const problems = config.errors.map(finding);
  const warnings = config.endpoints.flatMap(lintEndpoint);
  let reminders = new Map<string, string>();
  if (resources) {
    // A fastly.toml: the same place must declare what the valid endpoints send through and sign with.
    const missing = missingResources(config, resources);
    problems.push(...missing.problems.map(manifestFinding));
    warnings.push(...missing.warnings.map(manifestFinding));
    reminders = missing.reminders;
  }
  return { source, items: Object.keys(items).length, notes, endpoints: config.endpoints, problems, warnings, reminders };
}

function manifestFinding({ table, message }: ResourceFinding): Finding {
  return { endpoint: MANIFEST, field: table, message };
}

/** Accepted, as Fastly accepts them, but worth a look before deploying: regexes whose engine caps their subjects, JSON problems. */
export function lintEndpoint(endpoint: EndpointConfig): Finding[] {
  const found = [
    ...lintFormat(endpoint.format.source).map((w) => ['format', w] as const),
    ...(endpoint.responseCondition ? lintCondition(endpoint.responseCondition.source).map((w) => ['response_condition', w] as const) : []),
  ];
  // A warning quotes the format: credential shapes in it are masked, as in the app's own messages.
  return found.map(([field, warning]) => ({ endpoint: endpoint.name, field: `${endpoint.name}.${field}`, message: redactCredentials(warning.message) }));
}

function finding(error: ConfigError): Finding {
  return { endpoint: error.endpoint, field: error.key, message: error.problem };
}

function printReports(reports: SourceReport[], io: CliIo): void {
  io.out(`read ${reports.map((r) => `${r.source} (${r.items} item${r.items === 1 ? '' : 's'})`).join(' and ')}\n`);
  for (const report of reports) {
    if (reports.length > 1) io.out(`\n${report.source}:\n`);
    for (const note of report.notes) io.err(`note: ${note}\n`);
    for (const problem of report.problems) io.err(`✗ ${findingLine(problem)}\n`);
    for (const warning of report.warnings) io.err(`⚠ ${findingLine(warning)}\n`);
    for (const endpoint of report.endpoints) {
      if (endpoint.destination === 'log_endpoint') {
        io.out(`✓ ${endpoint.name}: Fastly log endpoint ${endpoint.logEndpoint}, placement ${endpoint.placement}\n`);
        continue;
      }
      const keys = secretKeys(endpoint.name);
      io.out(
        `✓ ${endpoint.name}: stream ${endpoint.streamName} in ${endpoint.region}, placement ${endpoint.placement}, ` +
          `${endpoint.access.method}${endpoint.access.method === 'iam_role' ? ` (${endpoint.access.roleArn})` : ''}\n` +
          `  needs secrets ${keys.accessKeyId} and ${keys.secretAccessKey} in secret store ${SECRET_STORE_NAME}\n`,
      );
      const reminder = report.reminders.get(endpoint.name);
      if (reminder) io.out(`  ${reminder}\n`);
    }
    const inManifest = report.problems.filter((p) => p.endpoint === MANIFEST).length;
    const inConfig = report.problems.length - inManifest;
    if (inConfig > 0) io.err(`${inConfig} problem(s) in ${report.source}; the app disables endpoints with problems and keeps serving traffic.\n`);
    if (inManifest > 0) io.err(`${inManifest} problem(s) in what the fastly.toml declares beside ${report.source}: the endpoints above cannot deliver until it is fixed.\n`);
    if (report.problems.length === 0) {
      io.out(`${report.endpoints.length} endpoint(s) valid for config store ${CONFIG_STORE_NAME}.\n`);
    }
  }
}

function jsonReport(report: SourceReport) {
  return {
    source: report.source,
    items: report.items,
    valid: report.problems.length === 0,
    notes: report.notes,
    endpoints: report.endpoints.map((endpoint) => {
      if (endpoint.destination === 'log_endpoint') {
        return { name: endpoint.name, destination: endpoint.destination, log_endpoint: endpoint.logEndpoint, placement: endpoint.placement };
      }
      const keys = secretKeys(endpoint.name);
      return {
        name: endpoint.name,
        destination: endpoint.destination,
        stream_name: endpoint.streamName,
        region: endpoint.region,
        placement: endpoint.placement,
        access_method: endpoint.access.method,
        ...(endpoint.access.method === 'iam_role' ? { iam_role: endpoint.access.roleArn } : {}),
        secrets: [keys.accessKeyId, keys.secretAccessKey],
        ...(report.reminders.has(endpoint.name) ? { reminder: report.reminders.get(endpoint.name) } : {}),
      };
    }),
    problems: report.problems,
    warnings: report.warnings,
  };
}
