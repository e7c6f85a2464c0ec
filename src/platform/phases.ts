/**
 * Where logging's time goes, by phase: the opt-in breakdown behind the service key
 * `phase_log_endpoint` (handler/diagnostics.ts writes it; bench/logging-cpu.ts reads it).
 *
 * Modules on the logging path call `enterPhase(name)` where a phase begins; the time since the
 * previous mark is added to the previous phase. `wait` is the time spent awaiting a backend's
 * answer: Viceroy and Compute count no CPU for it, so it is reported apart from the CPU phases.
 *
 * Off by default, and then free: `enterPhase` is one comparison when no meter runs, and `waiting`
 * hands back the promise it was given. A meter runs for one request's logging at a time; a
 * sandbox runs one request's event loop to completion before it takes the next (DESIGN.md), so
 * one module-level meter cannot mix two requests. Work that interleaves inside one request (two streams' calls under Promise.all) is
 * charged to whichever phase was entered last: the total stays right, the split is approximate.
 *
 * A leaf: imports nothing, so every folder may mark its phases without an arrow pointing up.
 */

export const PHASES = ['config', 'facts', 'render', 'limits', 'shard_pick', 'request_body', 'signing', 'fetch', 'wait', 'answer', 'counters'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseMeter {
  /** Ends the measurement: microseconds per phase since `startPhases`. */
  finish(): Record<Phase, number>;
}

interface Meter {
  now: () => number;
  phase: Phase;
  since: number;
  totals: Record<Phase, number>;
  /** Waits in progress (they may overlap), and the phase to go back to when the last ends. */
  waits: number;
  resume: Phase;
}

let running: Meter | undefined;

/** Marks the start of `phase` (and the end of the one before). A no-op unless a meter runs. */
export function enterPhase(phase: Phase): void {
  if (running === undefined) return;
  const t = running.now();
  running.totals[running.phase] += t - running.since;
  running.phase = phase;
  running.since = t;
}

/**
 * Awaits `promise` as `wait` (a backend's or a store's answer: no CPU is spent meanwhile), then
 * goes back to the phase that was running. Waits that overlap (three secrets read under one
 * Promise.all) count as one wait, from the first start to the last end.
 */
export function waiting<T>(promise: Promise<T>): Promise<T> {
  // Off, the promise itself: no extra async layer, which would cost a turn of the job queue.
  return running === undefined ? promise : measuredWait(running, promise);
}

async function measuredWait<T>(meter: Meter, promise: Promise<T>): Promise<T> {
  if (meter.waits++ === 0) {
    meter.resume = meter.phase;
    enterPhase('wait');
  }
  try {
    return await promise;
  } finally {
    if (--meter.waits === 0 && running === meter) enterPhase(meter.resume);
  }
}

/**
 * Starts measuring in `first`, with `now` in milliseconds (sub-millisecond where the runtime
 * allows), from `since` when the first phase began before the meter could be started.
 */
export function startPhases(now: () => number, first: Phase, since = now()): PhaseMeter {
  const totals = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  const meter: Meter = { now, phase: first, since, totals, waits: 0, resume: first };
  running = meter;
  return {
    finish() {
      if (running === meter) {
        enterPhase(meter.phase);
        running = undefined;
      }
      return Object.fromEntries(PHASES.map((p) => [p, Math.round(totals[p] * 1000)])) as Record<Phase, number>;
    },
  };
}
