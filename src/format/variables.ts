/**
 * VCL variables: name → type and reader over RenderContext.
 *
 * Owns: the catalogue of variables a `vcl_log` log statement can read (reference/log-format.md §6;
 * types from Fastly's variable pages, cross-checked with falco's generated catalogue
 * `__generator__/predefined.yml`), how each is derived from RequestFacts, and the list of
 * variables Compute cannot provide (NOT_PROVIDED_IN_COMPUTE), which read as not set.
 * Does not own: geolocation (geo-variables.ts) or text conversion (values.ts).
 *
 * Decisions where Fastly's platform has no Compute equivalent:
 * - `now` and `time.now` are `time.end`: a log line renders after the response ends (vcl_log runs
 *   then), and a deterministic value lets the preview CLI reproduce production output.
 * - `req.header_bytes_read` / `resp.header_bytes_written` fall back to an HTTP/1.1 wire-size
 *   estimate (src/facts/wire-size.ts) when the handler did not count them; body byte counts
 *   default to 0.
 * - `req.is_ipv6` falls back to "client.ip contains ':'"; `fastly_info.is_h2`/`is_h3` derive from
 *   `req.proto`; `fastly_info.h2.is_push`, `req.restarts`, `req.is_esi_subreq`,
 *   `req.is_background_fetch` and `fastly.ff.visits_this_*` have the fixed values a Compute edge
 *   request always has (false / 0).
 * - An unknown name is a compile error (Fastly rejects the VCL too); a known name Compute lacks is
 *   accepted and reads as not set, so formats written for VCL services keep compiling.
 */
import { estimateRequestHeaderBytes, estimateResponseHeaderBytes } from '../facts/wire-size.js';
import type { RequestFacts } from '../facts/request-facts.js';
import { GEO_VARIABLES } from './geo-variables.js';
import { headerSlot, headerSubfield, type RenderContext } from './render-context.js';
import { MAY_HAVE_NEWLINES, NO_NEWLINES, type NewlineRisk } from './newlines.js';
import type { Value, VclType } from './values.js';

export interface VariableDef {
  readonly type: VclType;
  readonly get: (ctx: RenderContext) => Value;
  /** Whether the value's text can contain LF or CR; defaults by type (see newlines.ts). */
  readonly newlineRisk?: NewlineRisk;
  /** Set when the value is the same for every request (folded into the format at compile time). */
  readonly constant?: { readonly value: Value };
  /**
   * Set on a variable Compute has no source for: it is never set here (constant null), whatever
   * it is on a VCL service. A JSON template prints it as `null` or `""` (log-format.ts), and
   * `check` and `render` list it (compute-values.ts).
   */
  readonly noComputeSource?: true;
}

/**
 * VCL variables Compute cannot provide; they read as not set. Besides what vcl_log can read, this
 * holds Next-Gen WAF's `waf.inspection.disabled` (documented as settable; a string, as both
 * `true` and `"debug_bypass"` are assigned to it in published VCL) and the backend-side names
 * (`bereq.*`, `beresp.*`, `obj.*`, with types from falco's catalogue), which VCL confines to other
 * subroutines: formats written for VCL services use them
 * (reference/log-format.md §6.5 lists obj.status and beresp.status), and failing to read them
 * collapses the field on Fastly too (§1.7), so accepting them as not set keeps those formats
 * loading.
 */
const NOT_PROVIDED_BY_TYPE: Readonly<Record<VclType, readonly string[]>> = {
  STRING: [
    'bereq.method', 'bereq.proto', 'bereq.request', 'bereq.url', 'bereq.url.basename',
    'bereq.url.dirname', 'bereq.url.ext', 'bereq.url.path', 'bereq.url.qs',
    'beresp.backend.alternate_ips', 'beresp.backend.host', 'beresp.backend.name', 'beresp.proto',
    'beresp.response', 'client.browser.name', 'client.browser.version',
    'client.geo.ip_override', 'client.os.name', 'client.os.version',
    'client.socket.congestion_algorithm',
    'fastly.bot.category', 'fastly.bot.name', 'fastly_info.h2.fingerprint',
    'fastly_info.oh_fingerprint', 'geoip.ip_override', 'obj.proto', 'obj.response', 'req.body',
    'req.body.base64', 'req.digest', 'req.postbody', 'req.vcl', 'req.vcl.md5',
    'segmented_caching.error', 'server.billing_region', 'stale.exists', 'tls.client.certificate.dn',
    'tls.client.certificate.issuer_dn', 'tls.client.certificate.raw_certificate_b64',
    'tls.client.certificate.serial_number', 'tls.client.ciphers_list',
    'tls.client.ciphers_list_sha', 'tls.client.ciphers_list_txt', 'tls.client.ciphers_sha',
    'tls.client.tlsexts_list', 'tls.client.tlsexts_list_sha', 'tls.client.tlsexts_list_txt',
    'tls.client.tlsexts_sha', 'transport.type', 'waf.inspection.disabled', 'waf.logdata', 'waf.message',
  ],
  IP: [
    'beresp.backend.ip', 'beresp.backend.src_ip', 'client.socket.nexthop', 'req.backend.ip',
  ],
  BOOL: [
    'bereq.is_clustering', 'beresp.brotli', 'beresp.cacheable', 'beresp.do_esi', 'beresp.do_stream',
    'beresp.gzip', 'beresp.hipaa', 'beresp.pci', 'beresp.used_alternate_path_to_origin',
    'client.class.browser', 'client.class.checker', 'client.class.downloader',
    'client.class.feedreader', 'client.class.filter', 'client.class.masquerading',
    'client.class.spam', 'client.platform.ereader', 'client.platform.tvplayer',
    'client.socket.tcp_info', 'fastly.bot.analyzed', 'fastly.bot.category.is_accessibility',
    'fastly.bot.category.is_ai_crawler', 'fastly.bot.category.is_ai_fetcher',
    'fastly.bot.category.is_content_fetcher', 'fastly.bot.category.is_monitoring_and_site_tools',
    'fastly.bot.category.is_online_marketing', 'fastly.bot.category.is_page_preview',
    'fastly.bot.category.is_platform_integrations', 'fastly.bot.category.is_research',
    'fastly.bot.category.is_search_engine_crawler',
    'fastly.bot.category.is_search_engine_optimization', 'fastly.bot.category.is_security_tools',
    'fastly.bot.category.is_verified', 'fastly.bot.detected', 'fastly.ddos_detected',
    'geoip.use_x_forwarded_for', 'obj.cacheable', 'obj.is_pci',
    'req.backend.healthy', 'req.backend.is_shield', 'req.is_clustering', 'resp.completed',
    'resp.is_locally_generated', 'resp.stale', 'resp.stale.is_error', 'resp.stale.is_revalidating',
    'segmented_caching.autopurged', 'segmented_caching.cancelled',
    'segmented_caching.client_req.is_open_ended', 'segmented_caching.client_req.is_range',
    'segmented_caching.completed', 'segmented_caching.failed', 'segmented_caching.is_inner_req',
    'segmented_caching.is_outer_req', 'tls.client.certificate.is_cert_bad',
    'tls.client.certificate.is_cert_expired', 'tls.client.certificate.is_cert_missing',
    'tls.client.certificate.is_cert_revoked', 'tls.client.certificate.is_cert_unknown',
    'tls.client.certificate.is_unknown_ca', 'tls.client.certificate.is_verified', 'waf.blocked',
    'waf.executed', 'waf.logged', 'waf.passed', 'workspace.overflowed',
  ],
  INTEGER: [
    'bereq.body_bytes_written', 'bereq.bytes_written', 'bereq.header_bytes_written',
    'beresp.backend.port', 'beresp.backend.requests', 'beresp.backend.src_port',
    'beresp.handshake_time_to_origin_ms', 'beresp.status', 'client.display.height',
    'client.display.ppi', 'client.display.width', 'client.identified', 'client.requests',
    'client.socket.cwnd', 'client.socket.pace', 'client.socket.tcpi_advmss',
    'client.socket.tcpi_bytes_acked', 'client.socket.tcpi_bytes_received',
    'client.socket.tcpi_data_segs_in', 'client.socket.tcpi_data_segs_out',
    'client.socket.tcpi_delivery_rate', 'client.socket.tcpi_delta_retrans',
    'client.socket.tcpi_last_data_sent', 'client.socket.tcpi_max_pacing_rate',
    'client.socket.tcpi_min_rtt', 'client.socket.tcpi_notsent_bytes',
    'client.socket.tcpi_pacing_rate', 'client.socket.tcpi_pmtu', 'client.socket.tcpi_rcv_mss',
    'client.socket.tcpi_rcv_rtt', 'client.socket.tcpi_rcv_space', 'client.socket.tcpi_rcv_ssthresh',
    'client.socket.tcpi_reordering', 'client.socket.tcpi_rtt', 'client.socket.tcpi_rttvar',
    'client.socket.tcpi_segs_in', 'client.socket.tcpi_segs_out', 'client.socket.tcpi_snd_cwnd',
    'client.socket.tcpi_snd_mss', 'client.socket.tcpi_snd_ssthresh',
    'client.socket.tcpi_total_retrans', 'fastly_info.h2.stream_id', 'obj.hits', 'obj.status',
    'quic.cc.cwnd', 'quic.cc.ssthresh', 'quic.num_bytes.received', 'quic.num_bytes.sent',
    'quic.num_packets.ack_received', 'quic.num_packets.decryption_failed',
    'quic.num_packets.late_acked', 'quic.num_packets.lost', 'quic.num_packets.received',
    'quic.num_packets.sent', 'quic.rtt.latest', 'quic.rtt.minimum', 'quic.rtt.smoothed',
    'quic.rtt.variance', 'req.backend.port', 'req.vcl.generation', 'segmented_caching.block_number',
    'segmented_caching.block_size', 'segmented_caching.client_req.range_high',
    'segmented_caching.client_req.range_low', 'segmented_caching.obj.complete_length',
    'segmented_caching.rounded_req.range_high', 'segmented_caching.rounded_req.range_low',
    'segmented_caching.total_blocks', 'tls.client.handshake_sent_bytes',
    'tls.client.iana_chosen_cipher_id', 'transport.bw_estimate', 'waf.anomaly_score', 'waf.counter',
    'waf.failures', 'waf.inbound_anomaly_score', 'waf.http_violation_score', 'waf.lfi_score', 'waf.php_injection_score',
    'waf.rce_score', 'waf.rfi_score', 'waf.rule_id', 'waf.session_fixation_score', 'waf.severity',
    'waf.xss_score', 'workspace.bytes_free', 'workspace.bytes_total',
  ],
  FLOAT: [
    'client.socket.ploss', 'req.digest.ratio', 'waf.sql_injection_score',
  ],
  RTIME: [
    'bereq.between_bytes_timeout', 'bereq.connect_timeout', 'bereq.fetch_timeout',
    'bereq.first_byte_timeout', 'bereq.max_reuse_idle_time', 'beresp.grace',
    'beresp.stale_if_error', 'beresp.stale_while_revalidate', 'beresp.ttl', 'client.sess_timeout',
    'obj.age', 'obj.entered', 'obj.grace', 'obj.lastuse', 'obj.stale_if_error',
    'obj.stale_while_revalidate', 'obj.ttl', 'req.grace', 'req.max_stale_if_error',
    'req.max_stale_while_revalidate',
  ],
  TIME: [
    'tls.client.certificate.not_after', 'tls.client.certificate.not_before',
  ],
};

/** Backend-side header variables (`bereq.http.Name`, …): STRING, not set in Compute. */
const NOT_PROVIDED_HEADER_SIDES = ['bereq', 'beresp', 'obj'];

/**
 * Documented VCL variables named after an object of the service (a rate counter, a backend, a
 * director: `ratecounter.{NAME}.rate.1s`), with types from Fastly's variable pages; Compute has
 * none of these objects. Any name is accepted in the slot, as the service's VCL would declare it.
 */
const NOT_PROVIDED_FAMILIES: ReadonlyArray<{ readonly prefix: string; readonly suffixes: Readonly<Record<string, VclType>> }> = [
  {
    prefix: 'ratecounter',
    suffixes: {
      'bucket.10s': 'INTEGER', 'bucket.20s': 'INTEGER', 'bucket.30s': 'INTEGER', 'bucket.40s': 'INTEGER',
      'bucket.50s': 'INTEGER', 'bucket.60s': 'INTEGER', 'rate.1s': 'FLOAT', 'rate.10s': 'FLOAT', 'rate.60s': 'FLOAT',
    },
  },
  { prefix: 'backend', suffixes: { connections_open: 'INTEGER', connections_used: 'INTEGER', healthy: 'BOOL' } },
  { prefix: 'director', suffixes: { healthy: 'BOOL' } },
];
/** `ratecounter.NAME.rest`: the object name is a VCL identifier (`F_origin`, `rc_login`). */
const FAMILY_NAME = /^([a-z]+)\.([A-Za-z_][A-Za-z0-9_]*)\.(.+)$/;

/**
 * Every variable name Compute cannot provide (sorted), for the README; `bereq.http.*` and the
 * like stand for every header name, `ratecounter.*.rate.1s` and the like for every object name.
 */
export const NOT_PROVIDED_IN_COMPUTE: readonly string[] = [
  ...Object.values(NOT_PROVIDED_BY_TYPE).flat(),
  ...NOT_PROVIDED_HEADER_SIDES.map((side) => `${side}.http.*`),
  ...NOT_PROVIDED_FAMILIES.flatMap(({ prefix, suffixes }) => Object.keys(suffixes).map((suffix) => `${prefix}.*.${suffix}`)),
].sort();

const def = (type: VclType, get: (ctx: RenderContext) => Value, newlineRisk?: NewlineRisk): VariableDef => ({
  type,
  get,
  newlineRisk,
});
const str = (get: (f: RequestFacts) => string | undefined): VariableDef =>
  def('STRING', (ctx) => get(ctx.facts) ?? null);
const int = (get: (f: RequestFacts) => number | undefined): VariableDef =>
  def('INTEGER', (ctx) => get(ctx.facts) ?? null);
const constant = (type: VclType, value: Value): VariableDef => ({ type, get: () => value, constant: { value } });
const notProvided = (type: VclType): VariableDef => ({ ...constant(type, null), noComputeSource: true });
/** A device-detection BOOL: false when unknown, as VCL's device flags are never not set. */
const deviceFlag = (get: (d: NonNullable<RequestFacts['device']>) => boolean | null): VariableDef =>
  def('BOOL', (ctx) => (ctx.facts.device ? get(ctx.facts.device) === true : false));

// Time parts (reference/log-format.md §4, §11.3: msec_frac pads to 3 digits, usec_frac to 6).
const floorDiv = (a: number, b: number): number => Math.floor(a / b);
const mod = (a: number, b: number): number => ((a % b) + b) % b;
const TIME_PARTS: Record<string, (us: number) => string> = {
  sec: (us) => String(floorDiv(us, 1e6)),
  msec: (us) => String(floorDiv(us, 1e3)),
  usec: (us) => String(Math.floor(us)),
  msec_frac: (us) => String(mod(floorDiv(us, 1e3), 1000)).padStart(3, '0'),
  usec_frac: (us) => String(mod(Math.floor(us), 1e6)).padStart(6, '0'),
};

/** The TIME/RTIME sources `%{…}t`, `%D`, `%T` and the time.* variables share. */
export const startUs = (f: RequestFacts): number => f.timeStartUs;
export const endUs = (f: RequestFacts): number => f.timeEndUs;
export const elapsedUs = (f: RequestFacts): number => Math.max(0, f.timeEndUs - f.timeStartUs);
export const timePart = (part: string): ((us: number) => string) | undefined => TIME_PARTS[part];

function timeVariables(prefix: string, type: VclType, pick: (f: RequestFacts) => number): [string, VariableDef][] {
  const out: [string, VariableDef][] = [[prefix, def(type, (ctx) => pick(ctx.facts))]];
  for (const [part, fmt] of Object.entries(TIME_PARTS)) {
    out.push([`${prefix}.${part}`, def('STRING', (ctx) => fmt(pick(ctx.facts)), NO_NEWLINES)]);
  }
  return out;
}

export const requestHeaderBytes = (f: RequestFacts): number => f.requestHeaderBytes ?? estimateRequestHeaderBytes(f);
export const responseHeaderBytes = (f: RequestFacts): number =>
  f.responseHeaderBytes ?? estimateResponseHeaderBytes(f);

const isH = (version: string) => {
  const upper = `HTTP/${version}`;
  const lower = upper.toLowerCase();
  return (ctx: RenderContext): boolean => ctx.facts.proto.startsWith(upper) || ctx.facts.proto.startsWith(lower);
};

const MATH_CONSTANTS: Record<string, [VclType, number]> = {
  'math.1_PI': ['FLOAT', 1 / Math.PI],
  'math.2PI': ['FLOAT', 2 * Math.PI],
  'math.2_PI': ['FLOAT', 2 / Math.PI],
  'math.2_SQRTPI': ['FLOAT', 2 / Math.sqrt(Math.PI)],
  'math.E': ['FLOAT', Math.E],
  'math.FLOAT_DIG': ['INTEGER', 15],
  'math.FLOAT_EPSILON': ['FLOAT', Number.EPSILON],
  'math.FLOAT_MANT_DIG': ['INTEGER', 53],
  'math.FLOAT_MAX': ['FLOAT', Number.MAX_VALUE],
  'math.FLOAT_MAX_10_EXP': ['INTEGER', 308],
  'math.FLOAT_MAX_EXP': ['INTEGER', 1024],
  'math.FLOAT_MIN': ['FLOAT', 2.2250738585072014e-308],
  'math.FLOAT_MIN_10_EXP': ['INTEGER', -307],
  'math.FLOAT_MIN_EXP': ['INTEGER', -1021],
  'math.FLOAT_RADIX': ['INTEGER', 2],
  'math.INTEGER_BIT': ['INTEGER', 64],
  // int64 bounds as the nearest doubles; formatInteger prints them as 9223372036854775807 and
  // -9223372036854775808.
  'math.INTEGER_MAX': ['INTEGER', 2 ** 63],
  'math.INTEGER_MIN': ['INTEGER', -(2 ** 63)],
  'math.LN10': ['FLOAT', Math.LN10],
  'math.LN2': ['FLOAT', Math.LN2],
  'math.LOG10E': ['FLOAT', Math.LOG10E],
  'math.LOG2E': ['FLOAT', Math.LOG2E],
  'math.NAN': ['FLOAT', NaN],
  'math.NEG_HUGE_VAL': ['FLOAT', -Infinity],
  'math.NEG_INFINITY': ['FLOAT', -Infinity],
  'math.PHI': ['FLOAT', (1 + Math.sqrt(5)) / 2],
  'math.PI': ['FLOAT', Math.PI],
  'math.PI_2': ['FLOAT', Math.PI / 2],
  'math.PI_4': ['FLOAT', Math.PI / 4],
  'math.POS_HUGE_VAL': ['FLOAT', Infinity],
  'math.POS_INFINITY': ['FLOAT', Infinity],
  'math.SQRT1_2': ['FLOAT', Math.SQRT1_2],
  'math.SQRT2': ['FLOAT', Math.SQRT2],
  'math.TAU': ['FLOAT', 2 * Math.PI],
};

const FIXED = new Map<string, VariableDef>([
  ['req.method', str((f) => f.method)],
  ['req.request', str((f) => f.method)],
  ['req.url', str((f) => f.url)],
  ['req.topurl', str((f) => f.url)],
  ['req.url.path', def('STRING', (ctx) => ctx.urlParts().path)],
  ['req.url.qs', def('STRING', (ctx) => ctx.urlParts().qs)],
  ['req.url.basename', def('STRING', (ctx) => ctx.urlParts().basename)],
  ['req.url.dirname', def('STRING', (ctx) => ctx.urlParts().dirname)],
  ['req.url.ext', def('STRING', (ctx) => ctx.urlParts().ext)],
  ['req.proto', str((f) => f.proto)],
  ['req.protocol', def('STRING', (ctx) => (ctx.facts.isSsl ? 'https' : 'http'), NO_NEWLINES)],
  ['req.is_ssl', def('BOOL', (ctx) => ctx.facts.isSsl)],
  ['req.is_ipv6', def('BOOL', (ctx) => ctx.facts.isIpv6 ?? (ctx.facts.clientIp ?? '').includes(':'))],
  ['req.header_bytes_read', int(requestHeaderBytes)],
  ['req.body_bytes_read', int((f) => f.requestBodyBytes ?? 0)],
  ['req.bytes_read', int((f) => requestHeaderBytes(f) + (f.requestBodyBytes ?? 0))],
  ['req.service_id', str((f) => f.server.serviceId)],
  ['req.customer_id', str((f) => f.server.customerId)],
  ['fastly.is_staging', def('BOOL', (ctx) => ctx.facts.server.isStaging === true)],
  ['req.vcl.version', int((f) => (f.server.serviceVersion === undefined ? undefined : parseInt(f.server.serviceVersion, 10) || 0))],
  ['req.xid', str((f) => f.requestId)],
  ['req.restarts', constant('INTEGER', 0)],
  ['req.is_esi_subreq', constant('BOOL', false)],
  ['req.is_background_fetch', constant('BOOL', false)],
  ['req.is_purge', def('BOOL', (ctx) => ctx.facts.method.toUpperCase() === 'PURGE')],
  ['req.backend.name', str((f) => f.backendName)],
  // A BACKEND in a string context prints its name; here the name is all a log statement can use.
  ['req.backend', str((f) => f.backendName)],

  ['resp.status', int((f) => f.status)],
  ['resp.response', str((f) => f.responseReason)],
  ['resp.proto', str((f) => f.proto)],
  ['resp.header_bytes_written', int(responseHeaderBytes)],
  ['resp.body_bytes_written', int((f) => f.responseBodyBytes)],
  ['resp.bytes_written', int((f) => responseHeaderBytes(f) + f.responseBodyBytes)],

  ['client.ip', def('IP', (ctx) => ctx.facts.clientIp ?? null)],
  ['client.identity', str((f) => f.clientIp)],
  ['client.port', int((f) => f.clientPort)],

  ['server.hostname', str((f) => f.server.hostname)],
  ['server.identity', str((f) => f.server.identity ?? f.server.hostname)],
  ['server.datacenter', str((f) => f.server.datacenter)],
  ['server.pop', str((f) => f.server.datacenter)],
  ['server.region', str((f) => f.server.region)],
  ['server.ip', def('IP', (ctx) => ctx.facts.server.ip ?? null)],
  ['server.port', int((f) => f.server.port)],

  ['tls.client.protocol', str((f) => f.tls.protocol)],
  ['tls.client.cipher', str((f) => f.tls.cipher)],
  ['tls.client.servername', str((f) => f.tls.servername)],
  ['tls.client.ja3_md5', str((f) => f.tls.ja3Md5)],
  ['tls.client.ja4', str((f) => f.tls.ja4)],

  ['fastly_info.state', str((f) => f.fastlyState)],
  ['fastly_info.is_h2', def('BOOL', isH('2'))],
  ['fastly_info.is_h3', def('BOOL', isH('3'))],
  ['fastly_info.h2.is_push', constant('BOOL', false)],
  ['fastly_info.edge.is_tls', def('BOOL', (ctx) => ctx.facts.isSsl)],
  ['fastly_info.host_header', headerVariable('request', 'host')],
  ['fastly_info.version', str((f) => f.server.serviceVersion)],
  ['fastly_info.request_id', str((f) => f.requestId)],
  ['fastly.error', def('STRING', (ctx) => ctx.fastlyError)],
  ['fastly.ff.visits_this_service', constant('INTEGER', 0)],
  ['fastly.ff.visits_this_pop', constant('INTEGER', 0)],

  ...timeVariables('time.start', 'TIME', startUs),
  ...timeVariables('time.end', 'TIME', endUs),
  ...timeVariables('time.elapsed', 'RTIME', elapsedUs),
  ['time.to_first_byte', def('RTIME', (ctx) => {
    const f = ctx.facts;
    return f.timeFirstByteUs === undefined ? null : Math.max(0, f.timeFirstByteUs - f.timeStartUs);
  })],
  // `now` is Fastly's deprecated alias of `time.now` (variables/date-and-time/now).
  ['time.now', def('TIME', (ctx) => ctx.facts.timeEndUs)],
  ['time.now.sec', def('STRING', (ctx) => TIME_PARTS.sec(ctx.facts.timeEndUs), NO_NEWLINES)],
  ['now', def('TIME', (ctx) => ctx.facts.timeEndUs)],
  ['now.sec', def('STRING', (ctx) => TIME_PARTS.sec(ctx.facts.timeEndUs), NO_NEWLINES)],

  // Next-Gen WAF inspection (fastly:security inspect) of the request, for waf_debug endpoints;
  // not set when the request was not inspected.
  ['waf.verdict', str((f) => f.waf?.verdict)],
  ['waf.tags', str((f) => f.waf?.tags.join(','))],
  ['waf.decision_ms', int((f) => f.waf?.decisionMs)],
  ['waf.response', int((f) => f.waf?.wafResponse)],
  ['waf.redirect_url', str((f) => f.waf?.redirectUrl || undefined)],

  // Device detection of the User-Agent (fastly:device): what it reports about the device. A bot's
  // device name is the bot's name (js-compute's and Viceroy's example records: "Googlebot").
  ['client.platform.hwtype', str((f) => f.device?.hwtype ?? undefined)],
  ['client.platform.model', str((f) => f.device?.model ?? undefined)],
  ['client.platform.vendor', str((f) => f.device?.brand ?? undefined)],
  ['client.platform.mobile', deviceFlag((d) => d.isMobile)],
  ['client.platform.tablet', deviceFlag((d) => d.isTablet)],
  ['client.platform.smarttv', deviceFlag((d) => d.isSmartTV)],
  ['client.platform.gameconsole', deviceFlag((d) => d.isGameConsole)],
  ['client.platform.mediaplayer', deviceFlag((d) => d.isMediaPlayer)],
  ['client.display.touchscreen', deviceFlag((d) => d.isTouchscreen)],
  ['client.class.bot', deviceFlag((d) => d.isBot)],
  ['client.bot.name', str((f) => (f.device?.isBot ? (f.device.name ?? undefined) : undefined))],

  ['LF', constant('STRING', '\n')],
  ...Object.entries(MATH_CONSTANTS).map(([name, [type, v]]) => [name, constant(type, v)] as [string, VariableDef]),
]);

const NOT_PROVIDED = new Map<string, VariableDef>(
  (Object.entries(NOT_PROVIDED_BY_TYPE) as [VclType, readonly string[]][]).flatMap(([type, names]) =>
    names.map((name) => [name, notProvided(type)] as [string, VariableDef]),
  ),
);

const HEADER_VARIABLE = /^(req|resp|bereq|beresp|obj)\.http\.([A-Za-z0-9_.-]+?)(?::([A-Za-z0-9_.-]+))?$/;
const NOT_SET_STRING = notProvided('STRING');
const NOT_PROVIDED_FAMILY_TYPES = new Map(
  (['STRING', 'IP', 'BOOL', 'INTEGER', 'FLOAT', 'RTIME', 'TIME'] as const).map((type) => [type, notProvided(type)]),
);
const RE_GROUP = /^re\.group\.([0-9]|1[0-9])$/;

/** Every fixed variable name (not the `req.http.*`-style families), for "did you mean" hints. */
export function variableNames(): Iterable<string> {
  return [...FIXED.keys(), ...GEO_VARIABLES.keys(), ...NOT_PROVIDED.keys()];
}

/** The variable named `name`, or undefined when VCL has no such variable in vcl_log. */
export function lookupVariable(name: string): VariableDef | undefined {
  const known = FIXED.get(name) ?? GEO_VARIABLES.get(name) ?? NOT_PROVIDED.get(name);
  if (known) return known;
  const header = HEADER_VARIABLE.exec(name);
  if (header) {
    const [, side, headerName, subfield] = header;
    if (NOT_PROVIDED_HEADER_SIDES.includes(side)) return NOT_SET_STRING;
    return headerVariable(side === 'req' ? 'request' : 'response', headerName, subfield);
  }
  const group = RE_GROUP.exec(name);
  if (group) {
    const index = Number(group[1]);
    return def('STRING', (ctx) => ctx.reGroup(index), MAY_HAVE_NEWLINES);
  }
  const family = FAMILY_NAME.exec(name);
  const suffixes = family && NOT_PROVIDED_FAMILIES.find((f) => f.prefix === family[1])?.suffixes;
  return suffixes && Object.hasOwn(suffixes, family[3]) ? NOT_PROVIDED_FAMILY_TYPES.get(suffixes[family[3]]) : undefined;
}

/**
 * For "did you mean" hints: the names of a family (`ratecounter.NAME.rate.1s`, …) with the object
 * name `name` uses, so `ratecounter.rc.rate.2s` can be told about `ratecounter.rc.rate.1s`.
 */
export function familyNamesLike(name: string): string[] {
  const family = FAMILY_NAME.exec(name);
  const suffixes = family && NOT_PROVIDED_FAMILIES.find((f) => f.prefix === family[1])?.suffixes;
  return suffixes ? Object.keys(suffixes).map((suffix) => `${family[1]}.${family[2]}.${suffix}`) : [];
}

/** `req.http.Name`, `resp.http.Name`, with an optional `:subfield`. */
export function headerVariable(side: 'request' | 'response', name: string, subfield?: string): VariableDef {
  const lower = name.toLowerCase();
  const slot = headerSlot(lower);
  const read =
    side === 'request'
      ? (ctx: RenderContext) => ctx.requestHeaderAt(slot)
      : (ctx: RenderContext) => ctx.responseHeaderAt(slot);
  if (subfield === undefined) return def('STRING', read);
  const isCookie = lower === 'cookie' || lower === 'set-cookie';
  return def('STRING', (ctx) => headerSubfield(read(ctx), subfield, isCookie));
}
