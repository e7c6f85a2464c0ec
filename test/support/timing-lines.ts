/**
 * The timing lines the app writes to `timing_log_endpoint` (src/handler/log-exchange.ts):
 * `vcpu_ms=<n> lines=<n> sandbox=<id> request=<n> started_ms=<t> logged_ms=<t>`.
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
