/**
 * The delivery folder's public names: the per-instance delivery (destinations.ts) that sends each
 * line where its endpoint says — a Kinesis stream through the composer of signed PutRecords calls
 * (streams.ts), or a named Fastly log endpoint (log-endpoints.ts) —, its environment, the stats it
 * answers, and the execution (execution.ts) every delivery of one request shares: its one budget,
 * its record ids.
 */
export {
  createStreamDelivery,
  DEFAULT_KINESIS_CALL_TIMEOUT_MS,
  streamScope,
  type DeliveryEnvironment,
  type DeliveryStats,
  type DeliveryTuning,
  type StreamDelivery,
  type StreamCounters,
  type StreamStats,
} from './streams.js';
export { createDelivery, type Delivery, type EndpointLine } from './destinations.js';
export type { LogEndpointCounters } from './log-endpoints.js';
export { LOGGING_DEADLINE_MS, startExecution, type ExecutionStart, type LoggingExecution } from './execution.js';
export type { DeliveryCounters } from './report.js';
/** Build-time warm-up of what delivery runs that is not ours to compile early otherwise: SigV4 signing (handler/warm-up.ts). */
export { warmUpSigning as warmUpDelivery } from '../aws/index.js';
