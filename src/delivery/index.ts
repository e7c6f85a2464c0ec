/**
 * The delivery folder's public names: deliver lines to a stream (pipeline.ts), fail lines that
 * cannot be sent at all, and the outcome/counter types the handler keeps per instance (report.ts).
 */
export { deliverLines, failLines, type DeliveryDeps, type DeliveryOutcome } from './pipeline.js';
export { addOutcome, newCounters, type DeliveryCounters } from './report.js';
