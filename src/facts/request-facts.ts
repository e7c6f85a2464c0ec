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

  /** VCL `req.method`. */
  method: string;
  /** Path plus query, no host (VCL `req.url`). */
  url: string;
  /** e.g. `HTTP/1.1` (VCL `req.proto`). */
  proto: string;
  /** VCL `req.is_ssl`. */
  isSsl: boolean;
  /** VCL `req.is_ipv6`. */
  isIpv6?: boolean;
  /**
   * Request headers in arrival order; names as received. Values are text as decoded by
   * `decodeBytes` (src/facts/byte-string.ts): invalid UTF-8 bytes appear as U+DC80..U+DCFF.
   */
  requestHeaders: ReadonlyArray<readonly [string, string]>;
  /** VCL `req.header_bytes_read`. */
  requestHeaderBytes?: number;
  /** VCL `req.body_bytes_read`. */
  requestBodyBytes?: number;

  /** VCL `resp.status`. */
  status: number;
  /** Reason phrase (VCL `resp.response`). */
  responseReason?: string;
  /** Response headers in order (`resp.http.*`), decoded like `requestHeaders`. */
  responseHeaders: ReadonlyArray<readonly [string, string]>;
  /** VCL `resp.header_bytes_written`. */
  responseHeaderBytes?: number;
  /** VCL `resp.body_bytes_written` (`%b`, `%B`). */
  responseBodyBytes: number;

  /**
   * When the first response byte was sent to the client, microseconds since the Unix epoch
   * (VCL `time.to_first_byte` is this minus timeStartUs). Added for the format engine.
   */
  timeFirstByteUs?: number;

  /** VCL `client.ip`. */
  clientIp?: string;
  /** VCL `client.port` (Compute does not expose it). */
  clientPort?: number;
  /** Geolocation record keyed by Fastly's geolocation field names (city, country_code, as_name …). */
  geo?: Readonly<Record<string, string | number | null>>;

  /** The POP and service (`server.*`, `req.service_id`, …). */
  server: {
    /** VCL `server.hostname`. */
    hostname?: string;
    /** VCL `server.identity`; the engine falls back to `hostname` when absent. Added for the format engine. */
    identity?: string;
    /** VCL `server.datacenter` (the POP). */
    datacenter?: string;
    /** VCL `server.region`. */
    region?: string;
    /** VCL `server.ip`. */
    ip?: string;
    /** VCL `server.port`. */
    port?: number;
    /** VCL `req.service_id`. */
    serviceId?: string;
    /** VCL `req.vcl.version`, `fastly_info.version`. */
    serviceVersion?: string;
    /** VCL `req.customer_id` (Compute `FASTLY_CUSTOMER_ID`). */
    customerId?: string;
    /** VCL `fastly.is_staging` (Compute `FASTLY_IS_STAGING` is `1`). */
    isStaging?: boolean;
  };

  /** The client's TLS connection (`tls.client.*`). */
  tls: {
    /** VCL `tls.client.protocol`. */
    protocol?: string;
    /** VCL `tls.client.cipher`. */
    cipher?: string;
    /** VCL `tls.client.servername`. */
    servername?: string;
    /** VCL `tls.client.ja3_md5`. */
    ja3Md5?: string;
    /** VCL `tls.client.ja4`. */
    ja4?: string;
  };

  /** Unique id of this request (Compute `event.client.requestId`). */
  requestId?: string;
  /** Name of the backend the request was sent to (VCL `req.backend.name`). Added for the format engine. */
  backendName?: string;
  /** VCL `fastly_info.state`, derived by the handler for a proxy (docs/log-format.md, "Variables on Compute"). */
  fastlyState?: string;
  /** Next-Gen WAF inspection of this request, for `waf_debug` endpoints (`waf.*` variables). */
  waf?: {
    /** `waf.verdict`. */
    verdict: string;
    /** `waf.tags` (signals raised). */
    tags: readonly string[];
    /** `waf.decision_ms`. */
    decisionMs: number;
    /** `waf.response`. */
    wafResponse: number;
    /** `waf.redirect_url`. */
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
