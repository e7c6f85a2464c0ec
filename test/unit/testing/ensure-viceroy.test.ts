/** `npm test`'s Viceroy step (tools/ensure-viceroy.ts) with every machine effect stubbed: no process runs. */
import { describe, expect, it } from 'vitest';
import type { FoundViceroy } from '../../../src/testing/find-viceroy.js';
import { ensureViceroy, type EnsureViceroyDeps } from '../../../tools/ensure-viceroy.js';

interface Machine {
  /** What find() answers on each call, in turn (the last one repeats). */
  finds: (FoundViceroy | undefined)[];
  version?: string;
  downloads?: boolean;
  cargo?: string;
  cargoStatus?: number;
}

function run(machine: Machine) {
  const calls: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  let findCalls = 0;
  const deps: EnsureViceroyDeps = {
    find: () => machine.finds[Math.min(findCalls++, machine.finds.length - 1)],
    versionOf: (file) => (calls.push(`version ${file}`), machine.version),
    fastlyCliDownload: () => (calls.push('fastly compute install-tools'), machine.downloads ?? false),
    findCargo: () => machine.cargo,
    cargoInstall: (cargo) => (calls.push(`${cargo} install`), machine.cargoStatus ?? 0),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { code: ensureViceroy(deps), calls, out, err };
}

const CARGO_COPY: FoundViceroy = { path: '/home/u/.cargo/bin/viceroy', source: 'cargo' };

describe('ensureViceroy', () => {
  it('uses the Viceroy it finds, after checking that it runs, and installs nothing', () => {
    const r = run({ finds: [CARGO_COPY], version: '0.20.1', cargo: '/usr/bin/cargo' });
    expect(r).toEqual({ code: 0, calls: ['version /home/u/.cargo/bin/viceroy'], out: ['viceroy: 0.20.1 at /home/u/.cargo/bin/viceroy (from cargo install)'], err: [] });
  });

  it('lets the Fastly CLI download its copy before building with cargo', () => {
    const r = run({ finds: [undefined, { path: '/home/u/.config/fastly/viceroy', source: 'fastly-cli' }], version: '0.21.0', downloads: true, cargo: '/usr/bin/cargo' });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['fastly compute install-tools', 'version /home/u/.config/fastly/viceroy']);
    expect(r.out).toEqual(["viceroy: 0.21.0 at /home/u/.config/fastly/viceroy (from the Fastly CLI's copy) (downloaded by the Fastly CLI)"]);
  });

  it('builds the pinned version with cargo when nothing else worked, saying so and how long it takes', () => {
    const r = run({ finds: [undefined, CARGO_COPY], version: '0.20.1', cargo: '/home/u/.cargo/bin/cargo' });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['fastly compute install-tools', '/home/u/.cargo/bin/cargo install', 'version /home/u/.cargo/bin/viceroy']);
    expect(r.out[0]).toMatch(/building it: cargo install viceroy --locked --version 0\.20\.1 \(about 15 minutes on 2 cores, once\)$/);
    expect(r.out[1]).toBe('viceroy: 0.20.1 at /home/u/.cargo/bin/viceroy (from cargo install) (built by cargo install)');
  });

  it('stops at once with one line naming what to install when there is neither Viceroy, download nor cargo', () => {
    const r = run({ finds: [undefined] });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual(['fastly compute install-tools']);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^viceroy: none in .*cargo is not installed: install Rust \(https:\/\/rustup\.rs\), then run `cargo install viceroy --locked --version 0\.20\.1`/);
    expect(r.err[0]).not.toContain('\n');
  });

  it('stops when cargo install fails, or installs where nothing looks', () => {
    expect(run({ finds: [undefined], cargo: 'cargo', cargoStatus: 101 }).err).toEqual([
      'viceroy: `cargo install viceroy --locked --version 0.20.1` failed (exit status 101; its output is above)',
    ]);
    const elsewhere = run({ finds: [undefined], cargo: 'cargo' });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.err[0]).toMatch(/cargo installed it outside .*: set VICEROY=/);
  });

  it('refuses a Viceroy that does not run, or one too old for js-compute 3.46, without installing over it', () => {
    const broken = run({ finds: [{ path: '/opt/viceroy', source: 'VICEROY' }], cargo: 'cargo' });
    expect(broken.code).toBe(1);
    expect(broken.err[0]).toMatch(/^viceroy: \/opt\/viceroy \(from \$VICEROY\) does not run/);
    const old = run({ finds: [{ path: '/usr/bin/viceroy', source: 'PATH' }], version: '0.16.4', cargo: 'cargo' });
    expect(old.code).toBe(1);
    expect(old.err[0]).toMatch(/is 0\.16\.4, too old for js-compute 3\.46 \(0\.16\.5 or newer\)/);
    expect(old.calls).toEqual(['version /usr/bin/viceroy']);
  });
});
