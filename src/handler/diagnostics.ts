/**
 * Measurements of logging inside the runtime, for bench/ and test/e2e (off unless configured):
 *
 *   - the timing line, written per logged request on `timing_log_endpoint`:
 *     `vcpu_ms=<n> lines=<n> sandbox=<id> request=<n> started_ms=<t> logged_ms=<t>` — logging's
 *     CPU time (loading the configuration when this request is the one that loads it, facts,
 *     render, sign, send) and how requests follow each other inside a sandbox;
 *   - the phase line, written per logged request on `phase_log_endpoint`:
 *     `phase_us config=<µs> facts=<µs> … wait=<µs> … sandbox=<id> request=<n>` — the same span cut
 *     by phase (platform/phases.ts), from the runtime's sub-millisecond clock: vCpuTime counts whole
 *     milliseconds, too coarse for phases of tens of microseconds. `wait` (awaiting Kinesis, KV or
 *     the Secret Store) costs no CPU; the other phases add up to about the timing line's vcpu_ms;
 *   - `GET /_kinesis_logger/render-cost?n=…` (admin.ts routes it here): every endpoint's format
 *     rendered n times over the facts of that very request, with the CPU and wall time it took.
 *
 * Owns the per-instance state these need (the sandbox's id, its request count). Randomness and the
 * clock come from the platform, never from Math.random or Date.now called in place.
 */
import type { EndpointConfig, ServiceConfig } from '../config/index.js';
import { enterPhase, PHASES, startPhases, type PhaseMeter } from '../platform/phases.js';
import type { Platform } from '../platform/types.js';
import { collectFacts } from './collect-facts.js';

/** This sandbox's name in timing lines; drawn on first use (module code runs at build time, in the Wizer snapshot). */
let sandboxId: string | undefined;
let requestsTimed = 0;

export interface LoggingTimer {
  /** Writes the timing (and phase) line for a logging run that produced `lines` lines. */
  finish(lines: number): void;
}

const NOT_TIMED: LoggingTimer = { finish() {} };

/** CPU and clock readings taken before the configuration was loaded, by the request that loads it. */
export interface LoadStart {
  cpuMs?: number;
  nowMs: number;
}

/** The readings for `loadStart`: taken only by the request that is about to load (once per sandbox). */
export function markLoadStart(platform: Platform): LoadStart {
  return { cpuMs: platform.vCpuMs?.(), nowMs: platform.nowMs() };
}

/**
 * Starts timing one request's logging when the service asks for timing or phase lines (and, for
 * timing lines, the runtime can tell CPU time); otherwise a timer that writes nothing and costs
 * nothing. The phases start in `facts`, the first thing logging does, or in `config` from
 * `loaded` when this request loaded the configuration: the timing only learns it should run once
 * the configuration is read, so the load is measured from readings taken before it.
 */
export function startLoggingTimer(
  config: Pick<ServiceConfig, 'timingLogEndpoint' | 'phaseLogEndpoint'>,
  platform: Platform,
  requestStartMs: number,
  loaded?: LoadStart,
): LoggingTimer {
  const cpuMs = platform.vCpuMs;
  const timing = config.timingLogEndpoint && cpuMs ? config.timingLogEndpoint : undefined;
  const phaseLog = config.phaseLogEndpoint;
  if (!timing && !phaseLog) return NOT_TIMED;
  const cpuAtStart = timing ? (loaded?.cpuMs ?? cpuMs!()) : 0;
  const phases: PhaseMeter | undefined = phaseLog ? (loaded ? startPhases(platform.nowMs, 'config', loaded.nowMs) : startPhases(platform.nowMs, 'facts')) : undefined;
  if (loaded) enterPhase('facts');
  return {
    finish(lines) {
      const byPhase = phases?.finish();
      sandboxId ??= Math.floor(platform.random() * 36 ** 8).toString(36).padStart(8, '0');
      const request = ++requestsTimed;
      if (timing) {
        platform
          .logger(timing)
          .log(
            `vcpu_ms=${cpuMs!() - cpuAtStart} lines=${lines} sandbox=${sandboxId} request=${request} ` +
              `started_ms=${Math.round(requestStartMs)} logged_ms=${Math.round(platform.nowMs())}`,
          );
      }
      if (phaseLog && byPhase) {
        const fields = PHASES.map((phase) => `${phase}=${byPhase[phase]}`).join(' ');
        platform.logger(phaseLog).log(`phase_us ${fields} lines=${lines} sandbox=${sandboxId} request=${request}`);
      }
    },
  };
}

/** Renders allowed per endpoint in one render-cost request (and the default). */
export const RENDER_COST_MAX_RENDERS = 100_000;
export const RENDER_COST_DEFAULT_RENDERS = 1_000;

/** The render-cost document for `request` (`?n=` renders per endpoint). */
export function renderCostDocument(request: Request, endpoints: readonly EndpointConfig[], platform: Platform) {
  const asked = Number(new URL(request.url).searchParams.get('n'));
  const n = Math.min(RENDER_COST_MAX_RENDERS, Math.max(1, asked || RENDER_COST_DEFAULT_RENDERS));
  const now = platform.nowMs();
  const facts = collectFacts(
    {
      request,
      startMs: now,
      tls: {},
      proxy: { response: new Response('', { status: 200 }), finished: Promise.resolve({ bodyBytes: 0, endedMs: now }) },
      sent: { bodyBytes: 1234, endedMs: now + 5 },
    },
    platform,
  );
  const byEndpoint: Record<string, unknown> = {};
  for (const config of endpoints) {
    const cpuStart = platform.vCpuMs?.();
    const wallStart = platform.nowMs();
    let chars = 0;
    for (let i = 0; i < n; i++) chars += config.format.render(facts).length;
    const wallMs = platform.nowMs() - wallStart;
    const vCpuMs = cpuStart === undefined ? null : platform.vCpuMs!() - cpuStart;
    byEndpoint[config.name] = { renders: n, lineChars: chars / n, vCpuMs, wallMs, vCpuMicrosPerLine: vCpuMs === null ? null : (vCpuMs * 1000) / n };
  }
  return { scope: 'instance', endpoints: byEndpoint };
}
