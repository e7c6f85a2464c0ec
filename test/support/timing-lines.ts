/**
 * The timing lines the app writes to `timing_log_endpoint` (src/handler/diagnostics.ts):
 * `vcpu_ms=<n> lines=<n> sandbox=<id> request=<n> started_ms=<t> logged_ms=<t>`, and the phase
 * lines it writes to `phase_log_endpoint`: `phase_us <phase>=<µs> … lines=<n> sandbox=<id> request=<n>`.
 */
export interface TimingLine {
  vCpuMs: number;
  lines: number;
  sandbox: string;
  /** The request's ordinal in its sandbox, from 1. */
  request: number;
  startedMs: number;
  loggedMs: number;
}

export function parseTimingLine(line: string): TimingLine {
  const match = /^vcpu_ms=(\d+) lines=(\d+) sandbox=(\w+) request=(\d+) started_ms=(\d+) logged_ms=(\d+)$/.exec(line);
  if (!match) throw new Error(`not a timing line: ${line}`);
  const [, vCpuMs, lines, sandbox, request, startedMs, loggedMs] = match;
  return { vCpuMs: Number(vCpuMs), lines: Number(lines), sandbox, request: Number(request), startedMs: Number(startedMs), loggedMs: Number(loggedMs) };
}

/** Timing lines grouped per sandbox, each group in request order. */
export function requestsBySandbox(timings: readonly TimingLine[]): Map<string, TimingLine[]> {
  const groups = new Map<string, TimingLine[]>();
  for (const t of timings) groups.set(t.sandbox, [...(groups.get(t.sandbox) ?? []), t]);
  for (const group of groups.values()) group.sort((a, b) => a.request - b.request);
  return groups;
}

export interface PhaseLine {
  /** Microseconds per phase (src/platform/phases.ts PHASES); `wait` is not CPU. */
  phases: Record<string, number>;
  lines: number;
  sandbox: string;
  request: number;
}

export function parsePhaseLine(line: string): PhaseLine {
  const [tag, ...fields] = line.split(' ');
  if (tag !== 'phase_us') throw new Error(`not a phase line: ${line}`);
  const values = Object.fromEntries(fields.map((field) => field.split('=') as [string, string]));
  const { lines, sandbox, request, ...phases } = values;
  return { phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Number(v)])), lines: Number(lines), sandbox, request: Number(request) };
}
