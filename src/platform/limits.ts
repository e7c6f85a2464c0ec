/**
 * Compute's per-execution limits that more than one folder plans with
 * (https://docs.fastly.com/products/compute-resource-limits, reference/compute.md §4.7): config/
 * checks at load that a configuration fits, aws/ and delivery/ spend within them.
 */

/** Backend requests one execution may make (10 on trial accounts). */
export const BACKEND_REQUESTS_PER_EXECUTION = 32;
/** Wall time one execution may run (60 s on trial accounts). */
export const EXECUTION_WALL_TIME_MS = 120_000;
