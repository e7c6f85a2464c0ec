/**
 * The raw facts of one request/response exchange, as plain data.
 *
 * This is the single model both producers fill: the Compute handler (from the live request,
 * the origin's response and the FetchEvent) and the preview CLI (from a JSON object of VCL
 * variable names). Everything derived (`time.elapsed`, `req.url.path`, `%r`, aliases such as
 * `req.request`) is computed from these fields by the format engine, so preview and production
 * render identically.
 *
 * An absent optional field means "not set" in VCL terms.
 */
export interface RequestFacts {
  /** Request start, microseconds since the Unix epoch (VCL `time.start`). */
  timeStartUs: number;
  /** When the response finished (VCL `time.end`); equals timeStartUs when unknown. */
  timeEndUs: number;

  method: string;
  /** Path plus query, no host (VCL `req.url`). */
  url: string;
  /** e.g. `HTTP/1.1` (VCL `req.proto`). */
  proto: string;
  isSsl: boolean;
  isIpv6?: boolean;
  /**
   * Request headers in arrival order; names as received. Values are text as decoded by
   * `decodeBytes` (src/facts/byte-string.ts): invalid UTF-8 bytes appear as U+DC80..U+DCFF.
   */
  requestHeaders: ReadonlyArray<readonly [string, string]>;
  requestHeaderBytes?: number;
  requestBodyBytes?: number;

  status: number;
  /** Reason phrase (VCL `resp.response`). */
  responseReason?: string;
  responseHeaders: ReadonlyArray<readonly [string, string]>;
  responseHeaderBytes?: number;
  responseBodyBytes: number;

  /**
   * When the first response byte was sent to the client, microseconds since the Unix epoch
   * (VCL `time.to_first_byte` is this minus timeStartUs). Added for the format engine.
   */
  timeFirstByteUs?: number;

  clientIp?: string;
  clientPort?: number;
  /** Geolocation record keyed by Fastly's geolocation field names (city, country_code, as_name …). */
  geo?: Readonly<Record<string, string | number | null>>;

  server: {
    hostname?: string;
    /** VCL `server.identity`; the engine falls back to `hostname` when absent. Added for the format engine. */
    identity?: string;
    datacenter?: string;
    region?: string;
    ip?: string;
    port?: number;
    serviceId?: string;
    serviceVersion?: string;
    /** VCL `req.customer_id` (Compute `FASTLY_CUSTOMER_ID`). */
    customerId?: string;
    /** VCL `fastly.is_staging` (Compute `FASTLY_IS_STAGING` is `1`). */
    isStaging?: boolean;
  };

  tls: {
    protocol?: string;
    cipher?: string;
    servername?: string;
    ja3Md5?: string;
    ja4?: string;
  };

  /** Unique id of this request (Compute `event.client.requestId`). */
  requestId?: string;
  /** Name of the backend the request was sent to (VCL `req.backend.name`). Added for the format engine. */
  backendName?: string;
  /** VCL `fastly_info.state`, derived by the handler for a proxy (see README). */
  fastlyState?: string;
  /** Next-Gen WAF inspection of this request, for `waf_debug` endpoints (`waf.*` variables). */
  waf?: {
    verdict: string;
    tags: readonly string[];
    decisionMs: number;
    wafResponse: number;
    redirectUrl?: string;
  };
  /** VCL `fastly.error`. */
  fastlyError?: string;
  /**
   * Device detection of the User-Agent (`client.platform.*`, `client.class.bot`,
   * `client.display.touchscreen`, `client.bot.name`); absent when nothing is known.
   */
  device?: Readonly<import('../platform/types.js').DeviceInfo>;
}
