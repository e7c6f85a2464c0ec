/**
 * The record and request limits one delivery to a stream works with: the endpoint's settings, and
 * the stream's own maximum record size once it is known (read with the shard map:
 * kinesis/stream-summary.ts, shards/shared-map.ts).
 *
 * - Record: with `max_record_bytes` not set, the stream's maximum (1 MiB unless raised, up to
 *   10 MiB); 1 MiB while it is not known (a sandbox's first delivery before it has the stream's
 *   map, DescribeStreamSummary denied). With `max_record_bytes` set, that, but never more than the
 *   stream's maximum once known: a larger record would fail. Unknown, the setting is believed.
 * - Request: `max_request_bytes` (5 MiB by default), raised to hold one record of the record limit
 *   (a record larger than a call could never be sent), never past the API's 10 MiB per PutRecords.
 *
 * Owns that arithmetic only: pure over the settings and the stream's size.
 */
import type { DeliveryLimits } from '../config/index.js';
import { MAX_REQUEST_BYTES_API } from '../kinesis/index.js';

export interface StreamRecordLimits {
  /** The limits to prepare, pack and send with. */
  limits: DeliveryLimits;
  /** Set when `max_record_bytes` is larger than the stream's maximum (then cut to it): worth a report. */
  settingAboveStream?: { setting: number; stream: number };
}

/** `configured` (the endpoint's delivery settings) for a stream whose maximum record size is `streamMaxRecordBytes` (undefined: not known). */
export function recordLimitsFor(configured: DeliveryLimits, streamMaxRecordBytes: number | undefined): StreamRecordLimits {
  let maxRecordBytes = configured.maxRecordBytes;
  let settingAboveStream: StreamRecordLimits['settingAboveStream'];
  if (streamMaxRecordBytes !== undefined) {
    if (configured.recordSizeFromStream) maxRecordBytes = streamMaxRecordBytes;
    else if (configured.maxRecordBytes > streamMaxRecordBytes) {
      maxRecordBytes = streamMaxRecordBytes;
      settingAboveStream = { setting: configured.maxRecordBytes, stream: streamMaxRecordBytes };
    }
  }
  const maxRequestBytes = Math.min(MAX_REQUEST_BYTES_API, Math.max(configured.maxRequestBytes, maxRecordBytes));
  if (maxRecordBytes === configured.maxRecordBytes && maxRequestBytes === configured.maxRequestBytes) return { limits: configured };
  return { limits: { ...configured, maxRecordBytes, maxRequestBytes }, settingAboveStream };
}
