/**
 * One endpoint's fields → a validated EndpointConfig, read by concern: what it logs and when
 * (format, condition, sampling, placement), where its lines go (`destination`: a Kinesis stream —
 * stream, region, Kinesis URL and backend, how it signs (access.ts), the limits of delivery — or a
 * named Fastly log endpoint). Every problem is recorded against its field; an endpoint with any
 * problem is left out (load.ts reports it).
 */
import { compileCondition, compileFormat, FormatError, KINESIS_DEFAULT_FORMAT, type Condition, type LogFormat } from '../format/index.js';
import { DEFAULT_MAX_AGGREGATE_BYTES, MAX_RECORD_BYTES_API, MAX_REQUEST_BYTES_API } from '../kinesis/limits.js';
import type { BackendRef } from '../platform/types.js';
import { readAccess } from './access.js';
import type { ConfigError } from './errors.js';
import { fieldReader, NAME_CHARACTER, readBackend, readInteger, readUrl, type FieldReader } from './fields.js';
import { quoteValue } from './quote.js';
import { AWS_REGIONS, defaultKinesisUrl } from './regions.js';
import {
  DEFAULT_STATIC_BACKEND,
  DEFAULTS,
  DESTINATIONS,
  KINESIS_ONLY_FIELDS,
  LOG_ENDPOINT_NAME,
  PLACEMENTS,
  type DeliveryLimits,
  type EndpointConfig,
  type KinesisEndpointConfig,
  type LogEndpointConfig,
  type Placement,
} from './schema.js';

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_NAME_CHARACTER = /^[a-zA-Z0-9_.-]$/;
const REGION_CHARACTER = /^[a-z0-9-]$/;
/** Smallest record limit accepted: a default-format line with room for its partition key. */
const MIN_RECORD_BYTES = 1024;
/** Smallest call limit accepted; well under the API's, above any single default-format line. */
const MIN_REQUEST_BYTES = 64 * 1024;
const MIN_PERIOD_SECONDS = 60;
const MAX_PERIOD_SECONDS = 86_400;
const MAX_ATTEMPTS = 10;
/** Longest retry window: well inside the logging deadline (90 s after the request began). */
const MAX_RETRY_WINDOW_MS = 60_000;

export function readEndpoint(name: string, fields: ReadonlyMap<string, string>, errors: ConfigError[]): EndpointConfig | undefined {
  const reader = fieldReader(name, fields, errors);
  const destination = reader.get('destination') ?? 'kinesis';
  if (!(DESTINATIONS as readonly string[]).includes(destination)) {
    return reader.fail('destination', `${quoteValue(destination)} is not one of ${DESTINATIONS.join(', ')}`);
  }
  const endpoint = destination === 'log_endpoint' ? readLogEndpointDestination(reader, fields) : readKinesisDestination(reader);
  const logging = readLogging(reader);
  if (reader.failed || !logging || !endpoint) return undefined;
  return { name, ...logging, ...endpoint } as EndpointConfig;
}

/** destination = kinesis: the stream, how to sign for it, and the limits of delivering to it. */
function readKinesisDestination(reader: FieldReader): Omit<KinesisEndpointConfig, 'name' | keyof Logging> | undefined {
  if (reader.get('log_endpoint') !== undefined) reader.fail('log_endpoint', 'only read with destination "log_endpoint"; remove it, or set destination');
  const target = readTarget(reader);
  const partitionKey = readPartitionKey(reader);
  const access = readAccess(reader, target?.region);
  const delivery = readDeliveryLimits(reader);
  const periodSeconds = readInteger(reader, 'period', DEFAULTS.periodSeconds, MIN_PERIOD_SECONDS, MAX_PERIOD_SECONDS);
  const fallbackLogEndpoint = readLogEndpointName(reader, 'fallback_log_endpoint');
  if (!target || !access) return undefined;
  return { destination: 'kinesis', ...target, access, partitionKey, periodSeconds, delivery, fallbackLogEndpoint };
}

/**
 * destination = log_endpoint: the Fastly log endpoint's name. Kinesis's own fields are refused
 * rather than ignored: a stream_name here would suggest records reach a stream, and they do not.
 */
function readLogEndpointDestination(reader: FieldReader, fields: ReadonlyMap<string, string>): Omit<LogEndpointConfig, 'name' | keyof Logging> | undefined {
  for (const field of KINESIS_ONLY_FIELDS) {
    if (fields.has(field)) reader.fail(field, 'not used with destination "log_endpoint" (Fastly\'s platform sends the lines); remove it');
  }
  const logEndpoint = reader.get('log_endpoint');
  if (logEndpoint === undefined) return reader.fail('log_endpoint', 'missing: the Fastly log endpoint to write to (destination is "log_endpoint")');
  if (!readLogEndpointName(reader, 'log_endpoint')) return undefined;
  const { maxRecordBytes, oversize } = readDeliveryLimits(reader);
  return { destination: 'log_endpoint', logEndpoint, line: { maxRecordBytes, oversize } };
}

interface Target {
  streamName: string;
  region: string;
  kinesisUrl: string;
  kinesisBackend: BackendRef;
}

/** stream_name (Fastly's `topic`), region, endpoint_url and backend. */
function readTarget(reader: FieldReader): Target | undefined {
  const streamName = reader.get('stream_name') ?? reader.get('topic');
  if (streamName === undefined) reader.fail('stream_name', 'missing: the Kinesis stream to write to');
  else if (!STREAM_NAME.test(streamName)) reader.fail('stream_name', `${quoteValue(streamName, STREAM_NAME_CHARACTER)} is not a stream name (1-128 of a-z A-Z 0-9 _ . -)`);

  const region = reader.get('region');
  if (region === undefined) return reader.fail('region', 'missing: the stream\'s AWS region, e.g. "us-east-1"');
  if (!AWS_REGIONS.has(region)) return reader.fail('region', `${quoteValue(region, REGION_CHARACTER)} is not an AWS region`);

  const kinesisUrl = readUrl(reader, 'endpoint_url', defaultKinesisUrl(region), 'https://kinesis.eu-west-1.amazonaws.com/');
  const kinesisBackend = kinesisUrl && readBackend(reader, 'backend', DEFAULT_STATIC_BACKEND, kinesisUrl);
  if (!streamName || !kinesisUrl || !kinesisBackend) return undefined;
  return { streamName, region, kinesisUrl, kinesisBackend };
}

interface Logging {
  format: LogFormat;
  placement: Placement;
  responseCondition?: Condition;
  sampleRate: number;
}

/** format, format_version, response_condition, sample_rate and placement. */
function readLogging(reader: FieldReader): Logging | undefined {
  let format: LogFormat | undefined;
  try {
    format = compileFormat(reader.get('format') ?? KINESIS_DEFAULT_FORMAT);
  } catch (error) {
    reader.fail('format', compileProblem(error));
  }
  const formatVersion = reader.get('format_version') ?? '2';
  if (formatVersion !== '2') reader.fail('format_version', `${quoteValue(formatVersion)} is not supported: only format version 2`);

  let responseCondition: Condition | undefined;
  const conditionSource = reader.get('response_condition');
  if (conditionSource !== undefined && conditionSource.trim() !== '') {
    try {
      responseCondition = compileCondition(conditionSource);
    } catch (error) {
      reader.fail('response_condition', compileProblem(error));
    }
  }

  const sampleRateText = reader.get('sample_rate');
  const sampleRate = sampleRateText === undefined ? 1 : Number(sampleRateText);
  if (sampleRateText !== undefined && !(sampleRate > 0 && sampleRate <= 1)) {
    reader.fail('sample_rate', `${quoteValue(sampleRateText)} is not a rate above 0 and at most 1 (e.g. 0.01 for 1%)`);
  }

  const placement = (reader.get('placement') ?? 'format_version_default') as Placement;
  if (!PLACEMENTS.includes(placement)) reader.fail('placement', `${quoteValue(placement)} is not one of ${PLACEMENTS.join(', ')}`);
  return format ? { format, placement, responseCondition, sampleRate } : undefined;
}

/**
 * partition_key: a format like `format` (`%{req.http.X-Tenant}V`), compiled at load so that a
 * mistake is reported with its caret. What it renders is fitted to Kinesis's 1–256 characters per
 * line by delivery (kinesis/keys.ts): empty → the record id, longer → cut at 256 bytes.
 */
function readPartitionKey(reader: FieldReader): LogFormat | undefined {
  const source = reader.get('partition_key');
  if (source === undefined) return undefined;
  if (source.trim() === '') return reader.fail('partition_key', 'empty: leave it out for the record id, or give a format such as %{req.http.X-Tenant}V');
  try {
    return compileFormat(source);
  } catch (error) {
    return reader.fail('partition_key', compileProblem(error));
  }
}

/**
 * A format or condition that does not compile disables its endpoint, whatever the error: a
 * FormatError carries its position and caret; anything else (an engine limit) is still reported
 * here rather than taking the whole configuration down.
 */
function compileProblem(error: unknown): string {
  if (error instanceof FormatError) return error.message;
  return `could not be compiled (${error instanceof Error ? error.message : String(error)})`;
}

/** max_attempts, retry_window_ms, max_record_bytes, max_request_bytes, oversize, aggregation, aggregation_max_bytes, compression. */
function readDeliveryLimits(reader: FieldReader): DeliveryLimits {
  const maxAttempts = readInteger(reader, 'max_attempts', DEFAULTS.maxAttempts, 1, MAX_ATTEMPTS);
  const retryWindowMs = readInteger(reader, 'retry_window_ms', DEFAULTS.retryWindowMs, 0, MAX_RETRY_WINDOW_MS);
  const maxRecordBytes = readInteger(reader, 'max_record_bytes', DEFAULTS.maxRecordBytes, MIN_RECORD_BYTES, MAX_RECORD_BYTES_API);
  const maxRequestBytes = readInteger(reader, 'max_request_bytes', DEFAULTS.maxRequestBytes, MIN_REQUEST_BYTES, MAX_REQUEST_BYTES_API);
  if (maxRecordBytes > maxRequestBytes) {
    // A record must fit in a call on its own, or it could never be sent.
    reader.fail('max_record_bytes', `${maxRecordBytes} is larger than max_request_bytes (${maxRequestBytes}): a record must fit in one PutRecords call`);
  }
  const oversize = reader.get('oversize') ?? DEFAULTS.oversize;
  if (oversize !== 'truncate' && oversize !== 'drop') reader.fail('oversize', `${quoteValue(oversize)} is not one of truncate, drop`);
  const aggregation = reader.get('aggregation') ?? 'none';
  if (aggregation !== 'none' && aggregation !== 'kpl') reader.fail('aggregation', `${quoteValue(aggregation)} is not one of none, kpl`);
  const aggregationMaxBytes = readInteger(reader, 'aggregation_max_bytes', DEFAULT_MAX_AGGREGATE_BYTES, MIN_RECORD_BYTES, MAX_RECORD_BYTES_API);
  const compression = reader.get('compression') ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') reader.fail('compression', `${quoteValue(compression)} is not one of none, gzip`);
  return {
    maxAttempts,
    retryWindowMs,
    maxRecordBytes,
    recordSizeFromStream: reader.get('max_record_bytes') === undefined,
    maxRequestBytes,
    oversize: oversize === 'drop' ? 'drop' : 'truncate',
    aggregation: aggregation === 'kpl' ? { maxBytes: aggregationMaxBytes } : undefined,
    compression: compression === 'gzip' ? 'gzip' : undefined,
  };
}

function readLogEndpointName(reader: FieldReader, field: string): string | undefined {
  const value = reader.get(field);
  if (value === undefined || LOG_ENDPOINT_NAME.test(value)) return value;
  return reader.fail(field, `${quoteValue(value, NAME_CHARACTER)} is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -)`);
}
