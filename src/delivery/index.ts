/**
 * The delivery folder's public names: the per-instance composer that turns selected lines into
 * signed PutRecords calls (streams.ts), its environment, the stats it answers, and the one budget
 * per execution that every AWS call takes from.
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
  type EndpointLine,
  type StreamDelivery,
} from './streams.js';
export type { DeliveryCounters } from './report.js';
export type { RequestBudget } from '../aws/index.js';
