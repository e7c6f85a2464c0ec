/**
 * Migration from a VCL service: Fastly's Kinesis logging endpoints (LoggingKinesisResponse) and
 * the service's conditions → this app's Config Store items, the secrets still to create, and a
 * note for every input field that is not carried over as it is. Pure: no files, no output.
 *
 * Input shapes, as a user gets them:
 *   - `fastly logging kinesis list --json` (an array) or `describe --json` (one object). The CLI
 *     prints go-fastly's structs, which have no JSON tags: the keys are Go field names
 *     (`StreamName`, `IAMRole`, `FormatVersion` …; go-fastly fastly/logging_kinesis.go);
 *   - the API's own answer (GET /service/{id}/version/{v}/logging/kinesis), with the documented
 *     field names (`topic`, `iam_role`, `format_version` …).
 *   Conditions likewise: `fastly vcl condition list --json` (`Name`, `Statement`, `Type` …) or the
 *   API's (`name`, `statement`, `type` …).
 *
 * Contract: what comes out loads without a problem through config/load.ts (the caller checks it
 * with the loader and refuses what does not); secret values in the input never reach the result.
 *
 * The input is not trusted. Names and values it holds reach notes and reasons only through
 * quoteValue (config/quote.ts): printable ASCII that cannot be a credential, or a description
 * (so no terminal escape sequence or pasted key is printed); endpoint names here never start with
 * `-` (they go into printed commands); and keys such as `toString` or `__proto__` are fields like
 * any other, never the prototype's.
 */
import { endpointNameProblem, hiddenValue, isQuotable, isShowableName, looksLikeCredential, MAX_ENDPOINTS, quoteValue, SERVICE_KEYS } from '../config/index.js';
import { KINESIS_DEFAULT_FORMAT } from '../format/index.js';

/** The fields of Fastly's Kinesis endpoint, by the API's names; go-fastly's names map onto them. */
const KINESIS_FIELDS_FROM_GO: Record<string, string> = {
  AccessKey: 'access_key',
  CreatedAt: 'created_at',
  DeletedAt: 'deleted_at',
  Format: 'format',
  FormatVersion: 'format_version',
  IAMRole: 'iam_role',
  Name: 'name',
  Placement: 'placement',
  ProcessingRegion: 'log_processing_region',
  Region: 'region',
  ResponseCondition: 'response_condition',
  SecretKey: 'secret_key',
  ServiceID: 'service_id',
  ServiceVersion: 'version',
  StreamName: 'topic',
  UpdatedAt: 'updated_at',
};
const CONDITION_FIELDS_FROM_GO: Record<string, string> = {
  Comment: 'comment',
  CreatedAt: 'created_at',
  DeletedAt: 'deleted_at',
  Name: 'name',
  Priority: 'priority',
  ServiceID: 'service_id',
  ServiceVersion: 'version',
  Statement: 'statement',
  Type: 'type',
  UpdatedAt: 'updated_at',
};
const METADATA_FIELDS = ['service_id', 'version', 'created_at', 'updated_at', 'deleted_at'];
const KNOWN_FIELDS = new Set(Object.values(KINESIS_FIELDS_FROM_GO));
/** Fastly's own AWS account, which its Kinesis endpoint assumes `iam_role` from (reference/kinesis.md). */
const FASTLY_AWS_ACCOUNT = '717331877981';
const ENDPOINT_NAME_CHARS_MAX = 64;

export interface ImportOptions {
  /** Next-Gen WAF corp and workspace, for endpoints placed `waf_debug`. */
  wafCorp?: string;
  wafWorkspace?: string;
}

export interface SecretToCreate {
  key: string;
  /** What to store, in a few words, without the value. */
  what: string;
}

export interface ImportedEndpoint {
  /** The name here (the Config Store item's key). */
  name: string;
  /** The VCL endpoint's name as it may be shown (vclLabel). */
  vclName: string;
  item: Record<string, string>;
  secrets: SecretToCreate[];
  /** Fields carried over as they are, e.g. `topic → stream_name`. */
  mapped: string[];
  /** Fields changed, left out or not applicable, and why. */
  notes: string[];
}

export interface RefusedEndpoint {
  /** The VCL endpoint's name as it may be shown (vclLabel), or `#<index>` without one. */
  vclName: string;
  reason: string;
}

export interface ImportPlan {
  endpoints: ImportedEndpoint[];
  refused: RefusedEndpoint[];
  /** Service-wide items: waf_corp, waf_workspace when given. */
  serviceItems: Record<string, string>;
}

export class ImportInputError extends Error {
  override name = 'ImportInputError';
}

export function planImport(kinesisJson: unknown, conditionsJson: unknown | undefined, options: ImportOptions = {}): ImportPlan {
  const entries = asEntries(kinesisJson, 'the Kinesis endpoints', KINESIS_FIELDS_FROM_GO);
  const conditions = conditionsJson === undefined ? undefined : indexConditions(asEntries(conditionsJson, 'the conditions', CONDITION_FIELDS_FROM_GO));
  const plan: ImportPlan = { endpoints: [], refused: [], serviceItems: {} };
  if (options.wafCorp !== undefined) plan.serviceItems.waf_corp = options.wafCorp;
  if (options.wafWorkspace !== undefined) plan.serviceItems.waf_workspace = options.wafWorkspace;
  const taken = new Set<string>(SERVICE_KEYS);

  entries.forEach((fields, index) => {
    const givenName = text(fields.name);
    const vclName = vclLabel(givenName, index);
    const refuse = (reason: string) => plan.refused.push({ vclName, reason });
    if (givenName === undefined) return refuse('no name: every Fastly endpoint has one; is this the output of fastly logging kinesis list --json?');
    if (plan.endpoints.length === MAX_ENDPOINTS) return refuse(`more than ${MAX_ENDPOINTS} endpoints: the app reads at most ${MAX_ENDPOINTS} (Compute's Config Store lookups per request)`);
    const result = mapEndpoint(givenName, vclName, fields, conditions, taken);
    if (typeof result === 'string') return refuse(result);
    taken.add(result.name);
    plan.endpoints.push(result);
  });
  return plan;
}

/** A name from the input (a field's, an endpoint's) as it may be printed: itself, or `<N characters, not shown>`. */
function shownName(name: string): string {
  return isShowableName(name) ? name : hiddenValue(name);
}

/**
 * How a VCL endpoint is named in the output: its name when it may be shown (config/quote.ts),
 * else `#<index> <N characters, not shown>`; `#<index>` without a name.
 */
function vclLabel(name: string | undefined, index: number): string {
  if (name === undefined) return `#${index}`;
  return isShowableName(name) ? name : `#${index} ${hiddenValue(name)}`;
}

/** One VCL endpoint → an imported endpoint, or the reason it cannot be carried over. */
function mapEndpoint(
  givenName: string,
  vclName: string,
  fields: Record<string, unknown>,
  conditions: Map<string, Record<string, unknown>> | undefined,
  taken: Set<string>,
): ImportedEndpoint | string {
  // A name that cannot be shown is not the root of one that will be (its letters would be).
  const name = endpointName(isShowableName(givenName) ? givenName : '', taken);
  const item: Record<string, string> = {};
  const mapped: string[] = [];
  const notes: string[] = [];
  if (name !== givenName) {
    notes.push(
      `name ${isShowableName(givenName) ? `"${givenName}"` : hiddenValue(givenName)} → "${name}": names here are letters, digits, _ and - (up to ${ENDPOINT_NAME_CHARS_MAX}), do not start with -, and are unique`,
    );
  }

  const formatVersion = text(fields.format_version) ?? '2';
  if (formatVersion !== '2') {
    return `format_version ${quoteValue(formatVersion)}: only format version 2 is rendered here. Convert the format to version 2 (Fastly's guide "Custom log formats" shows the version 2 equivalents) and set format_version 2 on the VCL endpoint, or write this endpoint's item by hand`;
  }
  if (fields.format_version !== undefined && fields.format_version !== null) notes.push('format_version 2: the default here (left out)');

  const deletedAt = text(fields.deleted_at);
  if (deletedAt !== undefined) return `deleted on the VCL service (deleted_at ${quoteValue(deletedAt)})`;

  const stream = text(fields.topic);
  if (stream !== undefined) {
    item.stream_name = stream;
    mapped.push('topic → stream_name');
  }
  const region = text(fields.region);
  if (region !== undefined) {
    item.region = region;
    mapped.push('region');
  }

  const format = text(fields.format);
  if (format === undefined) notes.push("format: not set, Fastly's Kinesis default applies here too");
  else if (format === KINESIS_DEFAULT_FORMAT) notes.push("format: Fastly's Kinesis default, which is the default here too (left out)");
  else {
    item.format = format;
    mapped.push('format');
  }

  const placement = text(fields.placement);
  if (placement === undefined || placement === 'null') notes.push('placement: not set (vcl_log, after the response) = format_version_default, the default here (left out)');
  else if (placement === 'none') {
    item.placement = 'none';
    mapped.push('placement');
    notes.push('placement none: only lines your Compute code emits with emit() are sent (no line per request)');
  } else if (placement === 'waf_debug') {
    item.placement = 'waf_debug';
    mapped.push('placement');
    notes.push('placement waf_debug: here it logs the requests Next-Gen WAF flags (fastly:security inspect), not the legacy WAF\'s waf_debug_log; needs the service keys waf_corp and waf_workspace (--waf-corp, --waf-workspace)');
  } else return `placement ${quoteValue(placement)} is not one of none, waf_debug or unset`;

  const conditionName = text(fields.response_condition);
  if (conditionName !== undefined) {
    const statement = conditionStatement(conditionName, conditions, notes);
    if (statement.problem !== undefined) return statement.problem;
    item.response_condition = statement.statement;
    mapped.push(`response_condition ${quoteValue(conditionName)} → its statement`);
  }

  const secrets = credentials(name, fields, item, mapped, notes);

  const processingRegion = text(fields.log_processing_region);
  if (processingRegion !== undefined) {
    notes.push(`log_processing_region ${quoteValue(processingRegion)}: not applicable: no Fastly log processing here, the POP that serves the request sends the record to the stream's region`);
  }

  const metadata = METADATA_FIELDS.filter((field) => field !== 'deleted_at' && fields[field] !== undefined && fields[field] !== null);
  if (metadata.length > 0) notes.push(`${metadata.join(', ')}: the VCL service's metadata, not settings`);
  for (const field of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(field)) notes.push(`${shownName(field)}: not a field of Fastly's Kinesis endpoint known to this tool; ignored`);
  }
  return { name, vclName, item, secrets, mapped, notes };
}

/** The condition's statement, or why it cannot be used. */
function conditionStatement(
  name: string,
  conditions: Map<string, Record<string, unknown>> | undefined,
  notes: string[],
): { statement: string; problem?: undefined } | { problem: string } {
  const shown = quoteValue(name);
  if (conditions === undefined) {
    return { problem: `response_condition ${shown} is the name of a condition: pass --conditions <file> with the output of fastly vcl condition list --version <version> --json` };
  }
  const condition = conditions.get(name);
  if (condition === undefined) return { problem: `response_condition ${shown}: no condition of that name in the conditions given` };
  const type = text(condition.type)?.toUpperCase();
  if (type !== 'RESPONSE') {
    return {
      problem: `response_condition ${shown} is a ${type === undefined ? 'typeless' : isQuotable(type) ? type : hiddenValue(type)} condition: a logging endpoint's condition is tested after the response, as a RESPONSE condition. Change its type on the VCL service, or write this endpoint's response_condition by hand`,
    };
  }
  const statement = text(condition.statement);
  if (statement === undefined) return { problem: `response_condition ${shown}: the condition has no statement` };
  const unused = ['priority', 'comment'].filter((field) => text(condition[field]) !== undefined);
  if (unused.length > 0) notes.push(`condition ${shown}: ${unused.join(' and ')} not used (a logging endpoint has one condition)`);
  return { statement };
}

/** access_key/secret_key or iam_role → the secrets to create; values are never copied. */
function credentials(name: string, fields: Record<string, unknown>, item: Record<string, string>, mapped: string[], notes: string[]): SecretToCreate[] {
  const keyFields = ['access_key', 'secret_key'].filter((field) => text(fields[field]) !== undefined);
  const role = text(fields.iam_role);
  if (role !== undefined) {
    item.iam_role = role;
    mapped.push('iam_role');
    notes.push(
      `iam_role: Fastly's endpoint assumes the role as Fastly's AWS account (${FASTLY_AWS_ACCOUNT}), which Compute code cannot. ` +
        'Create an IAM user allowed to sts:AssumeRole on this role, add that user to the role\'s trust policy (with an sts:ExternalId condition if you like; then set external_id), and store its keys',
    );
    if (keyFields.length > 0) notes.push(`${keyFields.join(', ')}: set beside iam_role; the role is used, and the keys below must be able to assume it (values not printed)`);
    return [
      { key: `${name}.access_key_id`, what: 'access key id of the IAM user that assumes the role' },
      { key: `${name}.secret_access_key`, what: 'secret access key of that IAM user' },
    ];
  }
  if (keyFields.length > 0) notes.push(`${keyFields.join(', ')}: secrets belong in the Secret Store, not the Config Store (values not printed)`);
  else notes.push('no access_key, secret_key or iam_role: user_credentials, with keys still to store');
  return [
    { key: `${name}.access_key_id`, what: `access key id${keyFields.includes('access_key') ? ' (the access_key of the VCL endpoint)' : ''}` },
    { key: `${name}.secret_access_key`, what: `secret access key${keyFields.includes('secret_key') ? ' (the secret_key of the VCL endpoint)' : ''}` },
  ];
}

/**
 * A valid, unused endpoint name for `vclName`: other characters become `_`, as does a leading `-`
 * (it would read as an option in the printed commands); a clash (or a name the loader refuses,
 * such as `__proto__` or a service key) gets a number; a name shaped like a credential becomes
 * `endpoint`.
 */
function endpointName(vclName: string, taken: Set<string>): string {
  let base = vclName.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^-/, '_').slice(0, ENDPOINT_NAME_CHARS_MAX);
  if (base === '' || /^_+$/.test(base) || looksLikeCredential(base)) base = 'endpoint';
  let name = base;
  for (let n = 2; taken.has(name) || endpointNameProblem(name) !== undefined; n++) {
    name = `${base.slice(0, ENDPOINT_NAME_CHARS_MAX - String(n).length - 1)}_${n}`;
  }
  return name;
}

/** An array (list) or one object (describe), with go-fastly's field names turned into the API's. */
function asEntries(json: unknown, what: string, fromGo: Record<string, string>): Record<string, unknown>[] {
  const list = Array.isArray(json) ? json : [json];
  return list.map((entry, index) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new ImportInputError(`${what}: entry ${index} is not a JSON object (expected the output of fastly … list --json or describe --json)`);
    }
    // No prototype, and own names only: `toString` or `__proto__` in the input is a field like any other.
    const fields = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of Object.entries(entry)) fields[Object.hasOwn(fromGo, key) ? fromGo[key] : key] = value;
    return fields;
  });
}

function indexConditions(entries: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const byName = new Map<string, Record<string, unknown>>();
  for (const condition of entries) {
    const name = text(condition.name);
    if (name !== undefined) byName.set(name, condition);
  }
  return byName;
}

/** A field's value as text; null, "" and absent are all "not set" (the API writes null and ""). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
