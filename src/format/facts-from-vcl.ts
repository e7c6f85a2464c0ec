/**
 * RequestFacts from a JSON object of VCL variable names, for the preview CLI and for tests.
 *
 * Owns: reading `{"time.start": "2024-03-05T14:07:09.123456Z", "req.url": "/a?x=1",
 * "req.http.User-Agent": "curl/8.4.0", "resp.status": 200, "client.geo.city": "london", …}`
 * into the raw RequestFacts model, and the messages for keys or values it cannot use. Only raw
 * facts are read; everything derived (`time.elapsed`, `req.url.path`, `%r`, `%b`,
 * `req.request` …) is computed by the format engine, exactly as for live traffic.
 * Does not own: VCL semantics (src/format/).
 *
 * Accepted keys: time.start, time.end (ISO 8601 with up to 9 fractional digits, RFC 1123, or
 * epoch seconds), time.elapsed (seconds) / time.elapsed.usec|msec|sec when time.end is absent,
 * time.to_first_byte (seconds); req.method|req.request, req.url, req.proto, req.is_ssl,
 * req.protocol, req.is_ipv6, req.header_bytes_read, req.body_bytes_read, req.bytes_read,
 * req.http.<Name> (a string, or an array of strings for a repeated header), req.service_id,
 * req.vcl.version|fastly_info.version, req.customer_id, fastly.is_staging, req.xid|fastly_info.request_id,
 * req.backend.name;
 * resp.status, resp.response, resp.http.<Name>, resp.body_bytes_written,
 * resp.header_bytes_written, resp.bytes_written; client.ip, client.port, client.geo.<field>,
 * geoip.<field>, client.as.number, client.as.name; server.hostname|identity|datacenter|region|ip|
 * port; tls.client.protocol|cipher|servername|ja3_md5|ja4; fastly_info.state; fastly.error;
 * device detection: client.platform.hwtype|model|vendor|mobile|tablet|smarttv|gameconsole|
 * mediaplayer, client.display.touchscreen, client.class.bot, client.bot.name.
 * A null value means "not set". Defaults: GET / HTTP/1.1, status 200, no headers, no body,
 * time.start = now, time.end = time.start.
 *
 * Every other VCL variable the engine knows is accepted too, so a facts file taken from a VCL
 * service previews exactly as production renders it: its value is not used, and a note says why
 * (the Compute edge always renders a fixed value, Compute does not provide the variable, or the
 * engine derives it from the facts above). Only a name that is no VCL variable is an error.
 */
import { lookupVariable } from './variables.js';
import { STRINGIFY } from './values.js';
import type { DeviceInfo } from '../platform/types.js';
import type { RequestFacts } from '../facts/request-facts.js';

/** Facts given by VCL names that cannot be read: the message names the key at fault. */
export class FactsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactsError';
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type MutableFacts = {
  -readonly [K in keyof RequestFacts]: RequestFacts[K];
};

const GEO_KEYS: Record<string, string> = {
  city: 'city',
  'city.ascii': 'city',
  'city.utf8': 'city',
  'city.latin1': 'city',
  country_name: 'country_name',
  'country_name.ascii': 'country_name',
  'country_name.utf8': 'country_name',
  'country_name.latin1': 'country_name',
  region: 'region',
  'region.ascii': 'region',
  'region.utf8': 'region',
  'region.latin1': 'region',
  continent_code: 'continent',
  country_code: 'country_code',
  country_code3: 'country_code3',
  postal_code: 'postal_code',
  conn_speed: 'conn_speed',
  conn_type: 'conn_type',
  proxy_type: 'proxy_type',
  proxy_description: 'proxy_description',
  gmt_offset: 'gmt_offset',
  area_code: 'area_code',
  metro_code: 'metro_code',
  latitude: 'latitude',
  longitude: 'longitude',
  utc_offset: 'utc_offset',
};
const NUMERIC_GEO = new Set(['area_code', 'metro_code', 'latitude', 'longitude', 'utc_offset', 'as_number']);

const SERVER_KEYS: Record<string, keyof RequestFacts['server']> = {
  'server.hostname': 'hostname',
  'server.identity': 'identity',
  'server.datacenter': 'datacenter',
  'server.region': 'region',
  'server.ip': 'ip',
  'req.service_id': 'serviceId',
  'req.customer_id': 'customerId',
  'req.vcl.version': 'serviceVersion',
  'fastly_info.version': 'serviceVersion',
};

const TLS_KEYS: Record<string, keyof RequestFacts['tls']> = {
  'tls.client.protocol': 'protocol',
  'tls.client.cipher': 'cipher',
  'tls.client.servername': 'servername',
  'tls.client.ja3_md5': 'ja3Md5',
  'tls.client.ja4': 'ja4',
};

/** Device-detection variables → DeviceInfo fields (the facts a Compute request gets from fastly:device). */
const DEVICE_KEYS: Record<string, keyof DeviceInfo> = {
  'client.platform.hwtype': 'hwtype',
  'client.platform.model': 'model',
  'client.platform.vendor': 'brand',
  'client.bot.name': 'name',
  'client.platform.mobile': 'isMobile',
  'client.platform.tablet': 'isTablet',
  'client.platform.smarttv': 'isSmartTV',
  'client.platform.gameconsole': 'isGameConsole',
  'client.platform.mediaplayer': 'isMediaPlayer',
  'client.display.touchscreen': 'isTouchscreen',
  'client.class.bot': 'isBot',
};

/** Converts the parsed JSON (any value) to RequestFacts; throws FactsError with the key at fault. */
export function factsFromVclJson(input: unknown, nowMs: number = Date.now()): RequestFacts {
  return readVclFacts(input, nowMs).facts;
}

/** factsFromVclJson, with a note for each accepted key whose value production would not use. */
export function readVclFacts(
  input: unknown,
  nowMs: number = Date.now(),
): {
  /** The facts, ready to render. */
  facts: RequestFacts;
  /** One note per key whose value production would not use, and why. */
  notes: string[];
} {
  const notes: string[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FactsError('facts must be a JSON object of VCL variable names, e.g. {"req.url": "/a?x=1"}');
  }
  const requestHeaders: [string, string][] = [];
  const responseHeaders: [string, string][] = [];
  const geo: Record<string, string | number | null> = {};
  const device: Partial<Record<keyof DeviceInfo, string | boolean | null>> = {};
  const facts: MutableFacts = {
    timeStartUs: Math.round(nowMs * 1000),
    timeEndUs: Number.NaN,
    method: 'GET',
    url: '/',
    proto: 'HTTP/1.1',
    isSsl: false,
    requestHeaders,
    status: 200,
    responseHeaders,
    responseBodyBytes: 0,
    server: {},
    tls: {},
  };
  let elapsedUs: number | undefined;
  let requestBytes: number | undefined;
  let responseBytes: number | undefined;
  let firstByteSeconds: number | undefined;

  for (const [key, raw] of Object.entries(input as Record<string, Json>)) {
    if (raw === null) continue;
    const text = (): string => asString(key, raw);
    const integer = (): number => asInteger(key, raw);
    if (key.startsWith('req.http.') || key.startsWith('resp.http.')) {
      const name = key.slice(key.indexOf('.http.') + 6);
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new FactsError(`"${key}": "${name}" is not a header name`);
      const values = Array.isArray(raw) ? raw.map((v) => asString(key, v)) : [text()];
      for (const value of values) (key.startsWith('req.') ? requestHeaders : responseHeaders).push([name, value]);
      continue;
    }
    const geoKey = key.startsWith('client.geo.') ? key.slice(11) : key.startsWith('geoip.') ? key.slice(6) : undefined;
    if (geoKey !== undefined && GEO_KEYS[geoKey]) {
      const field = GEO_KEYS[geoKey];
      geo[field] = NUMERIC_GEO.has(field) ? asNumber(key, raw) : typeof raw === 'number' ? raw : text();
      continue;
    }
    if (SERVER_KEYS[key]) {
      (facts.server as Record<string, string | number>)[SERVER_KEYS[key]] = text();
      continue;
    }
    if (DEVICE_KEYS[key]) {
      const field = DEVICE_KEYS[key];
      device[field] = (field.startsWith('is') ? asBool(key, raw) : text()) as never;
      // client.bot.name is the device name of a bot.
      if (key === 'client.bot.name') device.isBot ??= true;
      continue;
    }
    if (TLS_KEYS[key]) {
      (facts.tls as Record<string, string>)[TLS_KEYS[key]] = text();
      continue;
    }
    switch (key) {
      case 'time.start':
        facts.timeStartUs = asTime(key, raw);
        break;
      case 'time.end':
        facts.timeEndUs = asTime(key, raw);
        break;
      case 'time.elapsed':
        elapsedUs = Math.round(asNumber(key, raw) * 1e6);
        break;
      case 'time.elapsed.usec':
        elapsedUs = integer();
        break;
      case 'time.elapsed.msec':
        elapsedUs = integer() * 1e3;
        break;
      case 'time.elapsed.sec':
        elapsedUs = integer() * 1e6;
        break;
      case 'time.to_first_byte':
        firstByteSeconds = asNumber(key, raw);
        break;
      case 'req.method':
      case 'req.request':
        facts.method = text();
        break;
      case 'req.url':
        facts.url = text();
        break;
      case 'req.proto':
        facts.proto = text();
        break;
      case 'req.is_ssl':
        facts.isSsl = asBool(key, raw);
        break;
      case 'req.protocol': {
        const protocol = text();
        if (protocol !== 'http' && protocol !== 'https') throw new FactsError(`"${key}" must be "http" or "https", found ${JSON.stringify(raw)}`);
        facts.isSsl = protocol === 'https';
        break;
      }
      case 'req.is_ipv6':
        facts.isIpv6 = asBool(key, raw);
        break;
      case 'req.header_bytes_read':
        facts.requestHeaderBytes = integer();
        break;
      case 'req.body_bytes_read':
        facts.requestBodyBytes = integer();
        break;
      case 'req.bytes_read':
        requestBytes = integer();
        break;
      case 'req.xid':
      case 'fastly_info.request_id':
        facts.requestId = text();
        break;
      case 'req.backend':
      case 'req.backend.name':
        facts.backendName = text();
        break;
      case 'resp.status':
        facts.status = integer();
        break;
      case 'resp.response':
        facts.responseReason = text();
        break;
      case 'resp.body_bytes_written':
        facts.responseBodyBytes = integer();
        break;
      case 'resp.header_bytes_written':
        facts.responseHeaderBytes = integer();
        break;
      case 'resp.bytes_written':
        responseBytes = integer();
        break;
      case 'client.ip':
        facts.clientIp = text();
        break;
      case 'client.port':
        facts.clientPort = integer();
        break;
      case 'client.as.number':
        geo.as_number = asNumber(key, raw);
        break;
      case 'client.as.name':
        geo.as_name = text();
        break;
      case 'server.port':
        facts.server.port = integer();
        break;
      case 'fastly.is_staging':
        facts.server.isStaging = asBool(key, raw);
        break;
      case 'fastly_info.state':
        facts.fastlyState = text();
        break;
      case 'fastly.error':
        facts.fastlyError = text();
        break;
      default:
        notes.push(unusedFactNote(key));
    }
  }

  if (Number.isNaN(facts.timeEndUs)) facts.timeEndUs = facts.timeStartUs + (elapsedUs ?? 0);
  if (firstByteSeconds !== undefined) facts.timeFirstByteUs = facts.timeStartUs + Math.round(firstByteSeconds * 1e6);
  if (requestBytes !== undefined) {
    facts.requestBodyBytes ??= facts.requestHeaderBytes === undefined ? 0 : Math.max(0, requestBytes - facts.requestHeaderBytes);
    facts.requestHeaderBytes ??= Math.max(0, requestBytes - facts.requestBodyBytes);
  }
  if (responseBytes !== undefined && facts.responseHeaderBytes === undefined) {
    facts.responseHeaderBytes = Math.max(0, responseBytes - facts.responseBodyBytes);
  }
  if (Object.keys(geo).length > 0) facts.geo = geo;
  if (Object.keys(device).length > 0) facts.device = { ...NO_DEVICE, ...device } as DeviceInfo;
  return { facts, notes };
}

const NO_DEVICE: DeviceInfo = {
  name: null, brand: null, model: null, hwtype: null, isDesktop: null, isGameConsole: null, isMediaPlayer: null,
  isMobile: null, isSmartTV: null, isTablet: null, isTouchscreen: null, isBot: null,
};

/** Why a known variable's value is not used; FactsError for a name that is no VCL variable. */
function unusedFactNote(key: string): string {
  const variable = lookupVariable(key);
  if (!variable) {
    throw new FactsError(`unknown fact "${key}": expected a VCL variable name such as req.url, req.http.User-Agent, resp.status or time.start`);
  }
  if (variable.noComputeSource) {
    return `${key}: not used: Compute does not provide it, so it is never set: (null), or in a JSON template null as a bare value and empty inside quotes`;
  }
  if (variable.constant) {
    const { value } = variable.constant;
    return `${key}: not used: the Compute edge always renders ${STRINGIFY[variable.type](value)}`;
  }
  return `${key}: not used: the engine derives it from the other facts, as in production`;
}

function describe(raw: Json): string {
  return JSON.stringify(raw);
}

function asString(key: string, raw: Json): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new FactsError(`"${key}" must be a string, found ${describe(raw)}`);
}

function asNumber(key: string, raw: Json): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new FactsError(`"${key}" must be a number, found ${describe(raw)}`);
  return n;
}

function asInteger(key: string, raw: Json): number {
  const n = asNumber(key, raw);
  if (!Number.isInteger(n)) throw new FactsError(`"${key}" must be an integer, found ${describe(raw)}`);
  return n;
}

function asBool(key: string, raw: Json): boolean {
  if (raw === true || raw === 1 || raw === '1' || raw === 'true') return true;
  if (raw === false || raw === 0 || raw === '0' || raw === 'false') return false;
  throw new FactsError(`"${key}" must be true or false, found ${describe(raw)}`);
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A TIME in microseconds since the epoch. */
function asTime(key: string, raw: Json): number {
  if (typeof raw === 'number') return Math.round(raw * 1e6);
  if (typeof raw !== 'string') throw new FactsError(`"${key}" must be a time, found ${describe(raw)}`);
  const text = raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1e6);
  const m = ISO_8601.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
    const days = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
    const micros = Number(frac.padEnd(6, '0').slice(0, 6));
    let offsetSeconds = 0;
    if (zone.toUpperCase() !== 'Z') {
      const digits = zone.replace(':', '');
      offsetSeconds = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5)) * 60);
    }
    return (days - offsetSeconds) * 1e6 + micros;
  }
  const parsed = Date.parse(text);
  if (!Number.isNaN(parsed)) return parsed * 1000;
  throw new FactsError(`"${key}" must be an ISO 8601 or RFC 1123 time, or epoch seconds, found ${describe(raw)}`);
}
