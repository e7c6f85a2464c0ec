/**
 * The delivery folder's public names: the per-instance composer that turns selected lines into
 * signed PutRecords calls (streams.ts), its environment, the stats it answers, and the execution
 * (execution.ts) every delivery of one request shares: its one budget, its record ids.
 */
export {
  createStreamDelivery,
  DEFAULT_KINESIS_CALL_TIMEOUT_MS,
  streamScope,
  type DeliveryEnvironment,
  type DeliveryStats,
  type DeliveryTuning,
  type EndpointLine,
  type StreamDelivery,
  type StreamStats,
} from './streams.js';
export { LOGGING_DEADLINE_MS, startExecution, type ExecutionStart, type LoggingExecution } from './execution.js';
export type { DeliveryCounters } from './report.js';
