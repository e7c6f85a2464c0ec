/**
 * What the page offers one click away: Fastly's default formats and three requests.
 *
 * Owns: the request presets (facts as VCL names, the shape `--facts` reads) and the labels of
 * the format presets. Every preset fixes time.start, so a link renders the same line tomorrow.
 * Does not own: the formats' text (src/format/defaults.ts, verbatim from Fastly).
 */
import {
  BIGQUERY_EXAMPLE_FORMAT,
  CLF_FORMAT,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  KINESIS_DEFAULT_FORMAT,
} from '../../src/library/format.js';
import type { FactValue } from './fact-text.js';

/** A format one click away. */
export interface FormatPreset {
  readonly label: string;
  readonly format: string;
}

export const FORMAT_PRESETS: readonly FormatPreset[] = [
  { label: 'Kinesis default', format: KINESIS_DEFAULT_FORMAT },
  { label: 'Datadog default', format: DATADOG_DEFAULT_FORMAT },
  { label: 'Common Log Format', format: CLF_FORMAT },
  { label: 'BigQuery example', format: BIGQUERY_EXAMPLE_FORMAT },
  { label: 'Fastly UI JSON', format: FASTLY_UI_JSON_FORMAT },
];

/** A request one click away. */
export interface FactsPreset {
  readonly label: string;
  readonly facts: Readonly<Record<string, FactValue>>;
}

const GET: Record<string, FactValue> = {
  'time.start': '2024-03-05T14:07:09.123456Z',
  'time.elapsed.usec': 18342,
  'req.method': 'GET',
  'req.url': '/products/42?ref=newsletter',
  'req.proto': 'HTTP/2',
  'req.is_ssl': true,
  'req.http.Host': 'www.example.com',
  'req.http.User-Agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
  'req.http.Accept-Language': 'en-GB,en;q=0.9',
  'req.http.Referer': 'https://www.example.com/',
  'client.ip': '203.0.113.7',
  'client.geo.city': 'london',
  'client.geo.country_code': 'GB',
  'resp.status': 200,
  'resp.http.Content-Type': 'text/html; charset=utf-8',
  'resp.body_bytes_written': 5120,
  'server.datacenter': 'LHR',
  'fastly_info.state': 'MISS',
};

const POST_503: Record<string, FactValue> = {
  'time.start': '2024-03-05T14:08:41.500000Z',
  'time.elapsed.usec': 30000412,
  'req.method': 'POST',
  'req.url': '/api/orders',
  'req.proto': 'HTTP/1.1',
  'req.is_ssl': true,
  'req.http.Host': 'api.example.com',
  'req.http.User-Agent': 'okhttp/4.12.0',
  'req.http.Content-Type': 'application/json',
  'req.body_bytes_read': 482,
  'client.ip': '198.51.100.23',
  'client.geo.country_code': 'US',
  'resp.status': 503,
  'resp.response': 'Service Unavailable',
  'resp.http.Retry-After': '30',
  'resp.body_bytes_written': 0,
  'server.datacenter': 'IAD',
  'fastly_info.state': 'ERROR',
};

// What a client can put in a log line: quotes and braces aimed at JSON, a newline aimed at
// line-based parsers, markup, and text that is not ASCII.
const HOSTILE: Record<string, FactValue> = {
  'time.start': '2024-03-05T14:09:00Z',
  'time.elapsed.usec': 912,
  'req.method': 'GET',
  'req.url': '/search?q=%22%7D%0A{"admin":true}&lang=日本語',
  'req.proto': 'HTTP/1.1',
  'req.http.Host': 'www.example.com',
  'req.http.User-Agent': '"}, "admin": true, "x": "',
  'req.http.Referer': 'https://evil.example/\nFAKE 200 GET /admin',
  'req.http.Accept-Language': '<script>alert(1)</script>',
  'req.http.X-Forwarded-For': ['10.0.0.1', '1.2.3.4, 5.6.7.8'],
  'client.ip': '2001:db8::1',
  'resp.status': 404,
  'resp.body_bytes_written': 0,
};

export const FACTS_PRESETS: readonly FactsPreset[] = [
  { label: 'GET, 200', facts: GET },
  { label: 'POST that failed, 503', facts: POST_503 },
  { label: 'Hostile headers', facts: HOSTILE },
];

/** The facts a page without `facts` in its link starts with. */
export const DEFAULT_FACTS = GET;

/** The format a page without `format` in its link starts with (the product's default). */
export const DEFAULT_FORMAT = KINESIS_DEFAULT_FORMAT;

/** Names offered while typing a variable (the raw facts facts-from-vcl.ts reads, most used first). */
export const FACT_NAMES: readonly string[] = [
  'time.start', 'time.end', 'time.elapsed.usec', 'time.to_first_byte',
  'req.method', 'req.url', 'req.proto', 'req.is_ssl', 'req.is_ipv6',
  'req.http.Host', 'req.http.User-Agent', 'req.http.Referer', 'req.http.Accept-Language', 'req.http.Cookie',
  'req.http.X-Forwarded-For', 'req.http.Fastly-Client-IP', 'req.header_bytes_read', 'req.body_bytes_read',
  'req.service_id', 'req.vcl.version', 'req.xid', 'req.backend.name',
  'resp.status', 'resp.response', 'resp.http.Content-Type', 'resp.http.Cache-Control',
  'resp.body_bytes_written', 'resp.header_bytes_written',
  'client.ip', 'client.port', 'client.geo.city', 'client.geo.country_code', 'client.geo.region',
  'client.geo.continent_code', 'client.as.number', 'client.as.name',
  'server.hostname', 'server.identity', 'server.datacenter', 'server.region', 'server.ip', 'server.port',
  'tls.client.protocol', 'tls.client.cipher', 'tls.client.servername', 'tls.client.ja3_md5', 'tls.client.ja4',
  'fastly_info.state', 'fastly.error', 'fastly.is_staging',
  'client.platform.mobile', 'client.class.bot', 'client.bot.name',
];
