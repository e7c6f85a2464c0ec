/**
 * `compute-kinesis-logger/format`: Fastly's log-format language for any log destination, in any
 * JavaScript runtime (it imports no `fastly:*` module; it runs in plain Node too).
 *
 * ```ts
 * import { compileFormat, computeRequestFacts, KINESIS_DEFAULT_FORMAT } from 'compute-kinesis-logger/format';
 * const format = compileFormat('%h "%r" %>s %b %{json.escape(req.http.User-Agent)}V');   // once
 * const line = format.render(computeRequestFacts({ request, response, client: event.client }));
 * ```
 *
 * Compile once (formats and conditions are parsed and checked then; FormatError carries line,
 * column and caret), render per request (never throws). Facts come from a Compute request and
 * response as the proxy gathers them (`computeRequestFacts`), or from VCL variable names and values
 * (`factsFromVcl`, what `compute-kinesis-logger render --facts` reads).
 *
 * @module compute-kinesis-logger/format
 */
import { collectFacts } from '../handler/collect-facts.js';
import type { RequestFacts } from '../facts/request-facts.js';
import type { Platform } from '../platform/types.js';

export {
  BIGQUERY_EXAMPLE_FORMAT,
  CLF_FORMAT,
  compileCondition,
  compileFormat,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  FormatError,
  FormatWarning,
  KINESIS_DEFAULT_FORMAT,
  lintCondition,
  lintFormat,
  NOT_PROVIDED_IN_COMPUTE,
  variablesWithoutComputeValue,
  type Condition,
  type FactName,
  type FactsRead,
  type LogFormat,
  type MissingOnCompute,
  type PartErrorObserver,
} from '../format/index.js';
export { FactsError, factsFromVclJson as factsFromVcl, readVclFacts } from '../format/facts-from-vcl.js';
export type { RequestFacts } from '../facts/request-facts.js';

/** A Compute request and its response, as `computeRequestFacts` reads them. */
export interface ComputeExchange {
  /** The client's request. */
  request: Request;
  /** The response sent (status, headers; its body is not read). */
  response: Response;
  /** When the request arrived, ms since the epoch (time.start); default: now. */
  startMs?: number;
  /** When the response was ready (time.to_first_byte); default: not set. */
  respondedMs?: number;
  /** When the response body was sent (time.end); default: now. */
  endMs?: number;
  /** Response body bytes sent (%b); default: the response's Content-Length, else 0. */
  responseBodyBytes?: number;
  /** `event.client` of the FetchEvent: address, request id, TLS details. */
  client?: {
    /** The client's IP address (`client.ip`). */
    address?: string;
    /** The request id (`req.xid`). */
    requestId?: string;
    /** `tls.client.protocol`. */
    tlsProtocol?: string | null;
    /** `tls.client.cipher`. */
    tlsCipherOpensslName?: string | null;
    /** `tls.client.servername`. */
    tlsClientSNI?: string | null;
    /** `tls.client.ja3_md5`. */
    tlsJA3MD5?: string | null;
    /** `tls.client.ja4`. */
    tlsJA4?: string | null;
  };
  /** `event.server`: the address the request arrived at. */
  server?: {
    /** `server.ip`. */
    address?: string;
  };
  /** The backend the response came from (req.backend). */
  backend?: string;
}

/**
 * What the facts may read from the runtime; each is optional (absent = those variables are not
 * set). On Compute: `env` from `fastly:env`; `geolocate`: `getGeolocationForIpAddress` from
 * `fastly:geolocation`, its answer spread into a plain object (`geo && { ...geo }`); `detectDevice`:
 * `fastly:device`'s `Device.lookup` with its getters copied into a plain object (`hwtype` from
 * `hardwareType`; docs/library.md "Render your own lines" has both).
 */
export type ComputeLookups = Partial<Pick<Platform, 'env' | 'geolocate' | 'detectDevice'>>;

/** The facts of one exchange, gathered as the proxy gathers them (src/handler/collect-facts.ts). */
export function computeRequestFacts(exchange: ComputeExchange, lookups: ComputeLookups = {}): RequestFacts {
  const now = Date.now();
  const { request, response, client } = exchange;
  const length = Number(response.headers.get('content-length'));
  const sent = { bodyBytes: exchange.responseBodyBytes ?? (Number.isFinite(length) ? length : 0), endedMs: exchange.endMs ?? now };
  return collectFacts(
    {
      request,
      startMs: exchange.startMs ?? now,
      clientAddress: client?.address,
      requestId: client?.requestId,
      serverAddress: exchange.server?.address,
      tls: {
        protocol: client?.tlsProtocol,
        cipher: client?.tlsCipherOpensslName,
        servername: client?.tlsClientSNI,
        ja3Md5: client?.tlsJA3MD5,
        ja4: client?.tlsJA4,
      },
      proxy: { response, origin: response, respondedMs: exchange.respondedMs, backendName: exchange.backend, finished: Promise.resolve(sent) },
      sent,
    },
    { env: lookups.env ?? (() => undefined), geolocate: lookups.geolocate ?? (() => null), detectDevice: lookups.detectDevice },
  );
}
