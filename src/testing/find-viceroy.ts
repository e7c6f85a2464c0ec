/**
 * Where the Viceroy to run is, in one order shared by `npm test` (tools/ensure-viceroy.ts),
 * `npm run dev` (tools/dev.ts) and `startViceroy`:
 *
 *   1. `$VICEROY`, taken as given (the caller checks that it runs);
 *   2. `viceroy` in a directory of `PATH`;
 *   3. `cargo install`'s: `$CARGO_INSTALL_ROOT/bin` or `$CARGO_HOME/bin`, by default
 *      `~/.cargo/bin/viceroy`;
 *   4. the copy the Fastly CLI manages (`fastly compute serve` or `fastly compute install-tools`
 *      download it): `<user config dir>/fastly/viceroy`, or `~/.fastly/viceroy`.
 *
 * It only looks: it neither runs nor installs anything. The environment, home directory, platform
 * and file test are inputs, so the order is testable without touching the machine.
 */
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Viceroy the tests and CI use (.ci/run builds it); any newer one runs this project too. */
export const VICEROY_VERSION = '0.20.1';

/** The oldest Viceroy that links a js-compute 3.46 program (older ones lack host functions it imports). */
export const VICEROY_MIN_VERSION = '0.16.5';

/** The command that installs the pinned Viceroy with Rust. */
export const CARGO_INSTALL_VICEROY = `cargo install viceroy --locked --version ${VICEROY_VERSION}`;

/** Which step of the order found it. */
export type ViceroySource = 'VICEROY' | 'PATH' | 'cargo' | 'fastly-cli';

export interface FoundViceroy {
  path: string;
  source: ViceroySource;
}

/** What the lookup reads from the machine. */
export interface ViceroyLookupContext {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  platform: NodeJS.Platform;
  /** Whether `file` is an executable file. */
  isExecutable: (file: string) => boolean;
}

/** This process's environment, home directory and platform, and the real file system. */
export function machineContext(): ViceroyLookupContext {
  return { env: process.env, homedir: os.homedir(), platform: process.platform, isExecutable };
}

/** The first Viceroy in the order above, or undefined when there is none. */
export function findViceroy(context: ViceroyLookupContext = machineContext()): FoundViceroy | undefined {
  const { env } = context;
  if (env.VICEROY) return { path: env.VICEROY, source: 'VICEROY' };
  const steps: [ViceroySource, string[]][] = [
    ['PATH', pathDirs(context)],
    ['cargo', cargoBinDirs(context)],
    ['fastly-cli', fastlyCliInstallDirs(context)],
  ];
  for (const [source, dirs] of steps) {
    const found = findIn(dirs, 'viceroy', context);
    if (found) return { path: found, source };
  }
  return undefined;
}

/** The `cargo` to run: from PATH, else where rustup puts it; undefined when Rust is not installed. */
export function findCargo(context: ViceroyLookupContext = machineContext()): string | undefined {
  return findIn([...pathDirs(context), ...cargoBinDirs(context)], 'cargo', context);
}

function findIn(dirs: string[], name: string, context: ViceroyLookupContext): string | undefined {
  const pathApi = context.platform === 'win32' ? path.win32 : path.posix;
  const file = context.platform === 'win32' ? `${name}.exe` : name;
  return dirs.map((dir) => pathApi.join(dir, file)).find((candidate) => context.isExecutable(candidate));
}

function pathDirs({ env, platform }: ViceroyLookupContext): string[] {
  return (env.PATH ?? '').split(platform === 'win32' ? path.win32.delimiter : path.posix.delimiter).filter(Boolean);
}

/**
 * Where `cargo install` puts binaries: `$CARGO_INSTALL_ROOT/bin`, else `$CARGO_HOME/bin`, by
 * default `~/.cargo/bin` (where rustup also puts `cargo` itself).
 */
export function cargoBinDirs({ env, homedir, platform }: ViceroyLookupContext): string[] {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const home = env.CARGO_HOME || (homedir ? pathApi.join(homedir, '.cargo') : undefined);
  return [env.CARGO_INSTALL_ROOT, home].filter((dir): dir is string => Boolean(dir)).map((dir) => pathApi.join(dir, 'bin'));
}

/**
 * Where the Fastly CLI keeps the Viceroy it downloads: Go's os.UserConfigDir() + "/fastly", or
 * "~/.fastly" when there is no config dir (fastly/cli pkg/github/github.go, InstallDir).
 */
function fastlyCliInstallDirs({ env, homedir, platform }: ViceroyLookupContext): string[] {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  let configDir: string | undefined;
  if (platform === 'win32') configDir = env.AppData || env.APPDATA;
  else if (platform === 'darwin') configDir = homedir && pathApi.join(homedir, 'Library', 'Application Support');
  else if (!env.XDG_CONFIG_HOME) configDir = homedir && pathApi.join(homedir, '.config');
  // Go refuses a relative XDG_CONFIG_HOME (the XDG spec asks so); the CLI then uses ~/.fastly.
  else if (pathApi.isAbsolute(env.XDG_CONFIG_HOME)) configDir = env.XDG_CONFIG_HOME;
  return [configDir && pathApi.join(configDir, 'fastly'), homedir && pathApi.join(homedir, '.fastly')].filter((dir): dir is string => Boolean(dir));
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `version` (e.g. "0.20.1", from `viceroy --version`) is at least `minimum`. */
export function isVersionAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => text.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}
