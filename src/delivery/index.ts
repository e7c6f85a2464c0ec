/**
 * The delivery folder's public names: the per-instance delivery (destinations.ts) that sends each
 * line where its endpoint says — a Kinesis stream through the composer of signed PutRecords calls
 * (streams.ts), or a named Fastly log endpoint (log-endpoints.ts) —, its environment, the stats it
 * answers, and the one budget per execution that every AWS call takes from.
 */
export {
  createStreamDelivery,
  DEFAULT_KINESIS_CALL_TIMEOUT_MS,
  executionBudget,
  LOGGING_DEADLINE_MS,
  streamKey,
  type DeliveryEnvironment,
  type DeliveryStats,
  type DeliveryTuning,
  type StreamDelivery,
} from './streams.js';
export { createDelivery, type Delivery, type EndpointLine } from './destinations.js';
export type { LogEndpointCounters } from './log-endpoints.js';
export type { DeliveryCounters } from './report.js';
export type { RequestBudget } from '../aws/index.js';
