/**
 * The setup step of `npm test` (and `npm run test:e2e`): makes sure a Viceroy runs here before
 * the end-to-end tests need one, so a machine without it learns what to do at once instead of
 * after a test's 150 s start timeout (`spawn viceroy ENOENT`).
 *
 *   1. the first Viceroy in the shared order (src/testing/find-viceroy.ts: $VICEROY, PATH,
 *      ~/.cargo/bin, the Fastly CLI's copy), checked with `--version`;
 *   2. none: the Fastly CLI downloads its copy (`fastly compute install-tools`; needs internet
 *      access, fails within a second without);
 *   3. still none: `cargo install viceroy --locked --version 0.20.1` when cargo is there;
 *   4. otherwise one line saying what to install, and exit status 1.
 *
 * Whatever it finds or installs is where the tests' own lookup (viceroyBinary) finds it next.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CARGO_INSTALL_VICEROY,
  findCargo,
  findViceroy,
  type FoundViceroy,
  isVersionAtLeast,
  VICEROY_MIN_VERSION,
  VICEROY_VERSION,
  type ViceroySource,
} from '../src/testing/find-viceroy.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What the step does to the machine, injectable so that tests run none of it. */
export interface EnsureViceroyDeps {
  find: () => FoundViceroy | undefined;
  /** The version `<file> --version` prints ("0.20.1"), or undefined when it does not run. */
  versionOf: (file: string) => string | undefined;
  /** Asks the Fastly CLI to download its copy; whether it did. */
  fastlyCliDownload: () => boolean;
  findCargo: () => string | undefined;
  /** Runs `cargo install viceroy …` with its output shown; its exit status. */
  cargoInstall: (cargo: string) => number;
  out: (line: string) => void;
  err: (line: string) => void;
}

const FROM: Record<ViceroySource, string> = {
  VICEROY: '$VICEROY',
  PATH: 'PATH',
  cargo: 'cargo install',
  'fastly-cli': "the Fastly CLI's copy",
};

const LOOKED_IN = "$VICEROY, PATH, ~/.cargo/bin and the Fastly CLI's copy";

/** Exit status 0 when a usable Viceroy is there (found or installed), else 1 after one line on err. */
export function ensureViceroy(deps: EnsureViceroyDeps): number {
  let found = deps.find();
  let installedBy = '';
  if (!found && deps.fastlyCliDownload()) {
    found = deps.find();
    installedBy = ' (downloaded by the Fastly CLI)';
  }
  if (!found) {
    const cargo = deps.findCargo();
    if (!cargo) {
      deps.err(
        `viceroy: none in ${LOOKED_IN}, the Fastly CLI could not download one (no internet access?), and cargo is not installed: ` +
          `install Rust (https://rustup.rs), then run \`${CARGO_INSTALL_VICEROY}\` (or set VICEROY=/path/to/viceroy)`,
      );
      return 1;
    }
    deps.out(`viceroy: none in ${LOOKED_IN}, and the Fastly CLI could not download one; building it: ${CARGO_INSTALL_VICEROY} (about 15 minutes on 2 cores, once)`);
    const status = deps.cargoInstall(cargo);
    if (status !== 0) {
      deps.err(`viceroy: \`${CARGO_INSTALL_VICEROY}\` failed (exit status ${status}; its output is above)`);
      return 1;
    }
    found = deps.find();
    installedBy = ' (built by cargo install)';
    if (!found) {
      deps.err(`viceroy: cargo installed it outside ${LOOKED_IN} (an install root in cargo's config?): set VICEROY=/path/to/viceroy`);
      return 1;
    }
  }
  const version = deps.versionOf(found.path);
  if (version === undefined) {
    deps.err(`viceroy: ${found.path} (from ${FROM[found.source]}) does not run (\`--version\` failed): point VICEROY at a working one, or run \`${CARGO_INSTALL_VICEROY}\``);
    return 1;
  }
  if (!isVersionAtLeast(version, VICEROY_MIN_VERSION)) {
    deps.err(
      `viceroy: ${found.path} (from ${FROM[found.source]}) is ${version}, too old for js-compute 3.46 (${VICEROY_MIN_VERSION} or newer): ` +
        `run \`${CARGO_INSTALL_VICEROY}\` (or set VICEROY=/path/to/a newer one)`,
    );
    return 1;
  }
  deps.out(`viceroy: ${version} at ${found.path} (from ${FROM[found.source]})${installedBy}`);
  return 0;
}

/** The real machine: processes run with a bounded wait, output shown only where it helps. */
export function machineDeps(): EnsureViceroyDeps {
  return {
    find: () => findViceroy(),
    versionOf: (file) => {
      const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 30_000 });
      return result.status === 0 ? /(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] : undefined;
    },
    fastlyCliDownload: () => {
      // The Fastly CLI of this repository's devDependencies, run by this Node: nothing on PATH is needed.
      const fastly = path.join(REPO_ROOT, 'node_modules/@fastly/cli/fastly.js');
      const result = spawnSync(process.execPath, [fastly, 'compute', 'install-tools', '--non-interactive'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
      return result.status === 0;
    },
    findCargo: () => findCargo(),
    cargoInstall: (cargo) => spawnSync(cargo, ['install', 'viceroy', '--locked', '--version', VICEROY_VERSION], { stdio: 'inherit' }).status ?? 1,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = ensureViceroy(machineDeps());
}
