/**
 * Build-time warm-up of the format engine (handler/warm-up.ts runs it in the Wizer snapshot):
 * Fastly's default formats are compiled into the instance's compile cache and rendered once over
 * made-up facts. A new sandbox whose endpoints use one of these formats verbatim (the Kinesis
 * default is what an endpoint without `format` gets) finds it compiled; any other format finds the
 * parser, compiler and renderers already compiled to bytecode. Measured in Viceroy 0.20.1: loading
 * the configuration in a sandbox's first request took 7.5–19 ms without this, 1.1–3.2 ms with it
 * (with the JSON check of load time warmed and cached too: handler/warm-up.ts, json-lint.ts).
 *
 * Draws no randomness (none of these formats asks for any) and reads no clock: the snapshot is
 * shared by every sandbox, so nothing it holds may differ between them.
 */
import { BIGQUERY_EXAMPLE_FORMAT, CLF_FORMAT, DATADOG_DEFAULT_FORMAT, FASTLY_UI_JSON_FORMAT, KINESIS_DEFAULT_FORMAT } from './defaults.js';
import type { RequestFacts } from '../facts/request-facts.js';
import { compileFormat } from './log-format.js';

export const WARMED_UP_FORMATS = [KINESIS_DEFAULT_FORMAT, DATADOG_DEFAULT_FORMAT, CLF_FORMAT, FASTLY_UI_JSON_FORMAT, BIGQUERY_EXAMPLE_FORMAT];

/** A plausible exchange, so every part of the formats above renders something (no real client). */
export const WARM_UP_FACTS: RequestFacts = {
  timeStartUs: 1_764_633_600_000_000,
  timeEndUs: 1_764_633_600_004_250,
  timeFirstByteUs: 1_764_633_600_003_000,
  method: 'GET',
  url: '/warm-up/path?query=1',
  proto: 'HTTP/1.1',
  isSsl: true,
  isIpv6: false,
  requestHeaders: [
    ['host', 'www.example.com'],
    ['user-agent', 'Mozilla/5.0 (warm-up)'],
    ['referer', 'https://www.example.com/'],
    ['accept', '*/*'],
    ['accept-language', 'en-US,en;q=0.9'],
    ['accept-encoding', 'gzip, br'],
    ['fastly-client-ip', '192.0.2.1'],
  ],
  requestBodyBytes: 0,
  status: 200,
  responseReason: 'OK',
  responseHeaders: [
    ['content-type', 'text/html; charset=utf-8'],
    ['cache-control', 'max-age=60'],
    ['age', '0'],
  ],
  responseBodyBytes: 1024,
  clientIp: '192.0.2.1',
  geo: { city: 'warm-up', country_code: 'ZZ', country_name: 'Nowhere', continent_code: 'ZZ', region: 'ZZ', as_name: 'warm-up', as_number: 64496, conn_speed: 'broadband' },
  server: { hostname: 'cache-zzz-0', datacenter: 'ZZZ', region: 'ZZ', ip: '192.0.2.2', port: 443, serviceId: 'warmup', serviceVersion: '1' },
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', servername: 'www.example.com' },
  requestId: 'warm-up',
  backendName: 'origin',
  fastlyState: 'MISS',
};

export function warmUpFormats(): void {
  for (const source of WARMED_UP_FORMATS) compileFormat(source).render(WARM_UP_FACTS);
}
