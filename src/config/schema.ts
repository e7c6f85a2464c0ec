/**
 * What a user configures, as typed data. Mirrors Fastly's Kinesis logging endpoint fields
 * (name, placement, format, response_condition, access method, period, stream, region) plus the
 * settings a Compute program needs to reach AWS and report failures.
 *
 * Store layout (see README "Configuration"):
 *   Config Store `kinesis_logger`   SERVICE_KEYS, and per endpoint one item `<endpoint>` holding a
 *                                   JSON object of ENDPOINT_FIELDS
 *   Secret Store `kinesis_logger_secrets`   `<endpoint>.access_key_id`, `.secret_access_key`, `.session_token`
 *                                           (base keys for STS under iam_role), and `admin_token` (admin stats page)
 *   KV Store     `kinesis_logger_state`     the shared shard maps
 */
import type { AccessConfig } from '../aws/index.js';
import type { Condition, LogFormat } from '../format/index.js';
import type { BackendRef } from '../platform/types.js';

export const CONFIG_STORE_NAME = 'kinesis_logger';
export const SECRET_STORE_NAME = 'kinesis_logger_secrets';
export const DEFAULT_KV_STORE_NAME = 'kinesis_logger_state';
/** Fastly log endpoint that receives configuration and delivery failure reports. */
export const DEFAULT_ERROR_LOG_ENDPOINT = 'kinesis_logger_errors';
export const DEFAULT_STATIC_BACKEND = 'kinesis';
/** Static backend for STS AssumeRole (iam_role access); `<endpoint>.sts_backend = dynamic` reaches the STS host directly. */
export const DEFAULT_STS_BACKEND = 'sts';

/** Compute's cap on Config Store lookups per execution (reference/compute.md §4.2, §4.7). */
export const CONFIG_LOOKUPS_PER_EXECUTION = 32;

/**
 * Lookups a new sandbox's first request makes before the response, ahead of loading (`waf_corp`,
 * handler/endpoints.ts wafKeyPresent): loading must leave room for them.
 */
export const PRE_RESPONSE_CONFIG_LOOKUPS = 1;

/** Service-wide Config Store keys, each read once per load. Endpoint names may not take these. */
export const SERVICE_KEYS = [
  'endpoints',
  'error_log_endpoint',
  'kv_store',
  'waf_corp',
  'waf_workspace',
  'timing_log_endpoint',
  'phase_log_endpoint',
  'metrics_log_endpoint',
  'metrics_interval_s',
  'trusted_upstreams',
] as const;

/** Fields of an endpoint's JSON item (README "Configuration"); `topic` is Fastly's name for `stream_name`. */
export const ENDPOINT_FIELDS = [
  'stream_name',
  'topic',
  'region',
  'format',
  'format_version',
  'placement',
  'response_condition',
  'sample_rate',
  'access_method',
  'iam_role',
  'external_id',
  'role_session_name',
  'role_duration_seconds',
  'period',
  'max_attempts',
  'retry_window_ms',
  'partition_key',
  'max_record_bytes',
  'max_request_bytes',
  'oversize',
  'fallback_log_endpoint',
  'aggregation',
  'aggregation_max_bytes',
  'compression',
  'endpoint_url',
  'backend',
  'sts_url',
  'sts_backend',
  'destination',
  'log_endpoint',
] as const;

/** The fields only a `kinesis` destination reads; a `log_endpoint` one refuses them, so nothing is silently ignored. */
export const KINESIS_ONLY_FIELDS: readonly (typeof ENDPOINT_FIELDS)[number][] = [
  'stream_name',
  'topic',
  'region',
  'access_method',
  'iam_role',
  'external_id',
  'role_session_name',
  'role_duration_seconds',
  'period',
  'max_attempts',
  'retry_window_ms',
  'partition_key',
  'max_request_bytes',
  'fallback_log_endpoint',
  'aggregation',
  'aggregation_max_bytes',
  'endpoint_url',
  'backend',
  'sts_url',
  'sts_backend',
];

/** Fastly log endpoint names as the Logger API accepts them (no spaces or quotes). */
export const LOG_ENDPOINT_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

export type Placement = 'format_version_default' | 'waf_debug' | 'none';
export const PLACEMENTS: readonly Placement[] = ['format_version_default', 'waf_debug', 'none'];

/** How an endpoint signs (`access_method` and its fields); the shape is aws/'s, which acts on it. */
export type { AccessConfig };

export type OversizePolicy = 'truncate' | 'drop';

export interface DeliveryLimits {
  /** Tries per record, first attempt included. */
  maxAttempts: number;
  /**
   * `<endpoint>.retry_window_ms`: past maxAttempts, retriable failures are still retried until this
   * long after the delivery started (0 = off), with waits growing to seconds.
   */
  retryWindowMs: number;
  /**
   * `max_record_bytes`: the most one record carries, data + partition key (default 1 MiB). For a
   * stream, capped by the stream's own maximum once read (delivery/record-limits.ts).
   */
  maxRecordBytes: number;
  /**
   * True when `max_record_bytes` is not set: the stream's own maximum record size applies once
   * read (DescribeStreamSummary, up to 10 MiB), `maxRecordBytes` until then.
   */
  recordSizeFromStream?: boolean;
  /** Data + partition keys of one PutRecords call. */
  maxRequestBytes: number;
  oversize: OversizePolicy;
  /** `<endpoint>.aggregation = kpl`: KPL aggregated records, each up to `maxBytes`; absent = off. */
  aggregation?: { maxBytes: number };
  /** `<endpoint>.compression = gzip`: each record's data is gzip-compressed, before size checks and aggregation; absent = none. */
  compression?: 'gzip';
}

/** What every endpoint has, whatever its destination: what it logs, and when. */
export interface EndpointBase {
  name: string;
  format: LogFormat;
  placement: Placement;
  /** `<endpoint>.response_condition`: a VCL boolean expression; the line is sent only when true. */
  responseCondition?: Condition;
  /**
   * `<endpoint>.sample_rate` (beyond Fastly): share of requests logged, 0 < rate ≤ 1. Decided from
   * the request id, so endpoints with the same rate keep the same requests.
   */
  sampleRate: number;
}

/** `destination = kinesis` (the default): SigV4-signed PutRecords to a stream, directly. */
export interface KinesisEndpointConfig extends EndpointBase {
  destination: 'kinesis';
  streamName: string;
  region: string;
  access: AccessConfig;
  /**
   * `<endpoint>.partition_key`: a format rendered per line and sent as its PartitionKey, which
   * Kinesis hashes (per-key order, no even spread). Unset = the record id, spread by ExplicitHashKey.
   */
  partitionKey?: LogFormat;
  /** Longest a shard map is trusted before it is listed again. */
  periodSeconds: number;
  /** Where Kinesis requests go (signed for this URL's host). */
  kinesisUrl: string;
  kinesisBackend: BackendRef;
  delivery: DeliveryLimits;
  /**
   * `<endpoint>.fallback_log_endpoint`: a Fastly log endpoint that receives, as is, every line that
   * could not be delivered to Kinesis (after retries, or dropped as oversize). Unset = none.
   */
  fallbackLogEndpoint?: string;
}

/**
 * `destination = log_endpoint`: each line is written to the named Fastly log endpoint of the
 * service (`fastly:logger`), of any provider; Fastly's platform batches and sends it.
 */
export interface LogEndpointConfig extends EndpointBase {
  destination: 'log_endpoint';
  logEndpoint: string;
  /** `max_record_bytes` and `oversize` bound its lines as they bound a Kinesis record. */
  line: Pick<DeliveryLimits, 'maxRecordBytes' | 'oversize'>;
}

export type EndpointConfig = KinesisEndpointConfig | LogEndpointConfig;

/** The longest line an endpoint sends, and what happens to a longer one. */
export function lineLimits(endpoint: EndpointConfig): Pick<DeliveryLimits, 'maxRecordBytes' | 'oversize'> {
  return endpoint.destination === 'kinesis' ? endpoint.delivery : endpoint.line;
}
export type Destination = EndpointConfig['destination'];
export const DESTINATIONS: readonly Destination[] = ['kinesis', 'log_endpoint'];

export interface ServiceConfig {
  endpoints: EndpointConfig[];
  /** Problems found; endpoints with errors are left out of `endpoints`. */
  errors: import('./errors.js').ConfigError[];
  /** Warnings about valid endpoints (`<endpoint>.format: …`: the JSON check of formats, regexes whose engine caps subjects); they stay enabled. */
  warnings: string[];
  errorLogEndpoint: string;
  kvStoreName: string;
  /**
   * `timing_log_endpoint`: when set, each request writes `vcpu_ms=<n> lines=<n> sandbox=<id>
   * request=<n> started_ms=<t> logged_ms=<t>` there — logging's CPU time (render, sign, send) and
   * how requests follow each other in a sandbox. For measurements (bench/, test/e2e); off by default.
   */
  timingLogEndpoint?: string;
  /**
   * `phase_log_endpoint`: when set, each logged request also writes where logging's time went, by
   * phase (handler/diagnostics.ts, platform/phases.ts). For measurements; off by default.
   */
  phaseLogEndpoint?: string;
  /**
   * `metrics_log_endpoint` and `metrics_interval_s` (default 0): each sandbox writes one CloudWatch
   * Embedded Metric Format line per stream with what its delivery counters gained since its previous
   * line (metrics/): after every delivery (0), or at most once per `intervalSeconds`. Absent = no
   * metrics lines.
   */
  metrics?: { logEndpoint: string; intervalSeconds: number };
  /** Next-Gen WAF inspection for `waf_debug` endpoints (`waf_corp`, `waf_workspace`); absent = none. */
  waf?: { corp: string; workspace: string };
  /** `trusted_upstreams`: clients whose Fastly-Client-IP is kept (src/facts/client-ip.ts); empty = none. */
  trustedUpstreams: import('../facts/client-ip.js').TrustedUpstreams;
}

export const DEFAULTS = {
  periodSeconds: 3600,
  maxAttempts: 3,
  retryWindowMs: 10_000,
  maxRecordBytes: 1024 * 1024,
  maxRequestBytes: 5 * 1024 * 1024,
  oversize: 'truncate' as OversizePolicy,
  roleDurationSeconds: 3600,
  metricsIntervalSeconds: 0,
};
