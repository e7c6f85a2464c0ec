/**
 * `npm run dev`: the whole product on this machine, no AWS account needed.
 *   kinesalite (in memory) on 127.0.0.1:4567 with stream `compute-logs` (4 shards), started as the
 *   CLI's `local-kinesis` starts it,
 *   the demo origin on 127.0.0.1:8081,
 *   the compiled app in Viceroy on 127.0.0.1:7676 (`fastly compute serve`).
 * Viceroy, in the order every part of the project looks (src/testing/find-viceroy.ts): $VICEROY,
 * PATH, ~/.cargo/bin (passed as --viceroy-path), else the Fastly CLI's own copy, which it
 * downloads on first use (a machine with internet access). When none works, it says what to do.
 * Ctrl-C stops everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { startLocalStream } from '../src/cli/local-kinesis.js';
import { DEFAULT_KINESIS_PORT, DEFAULT_SHARDS, DEFAULT_STREAM } from '../src/cli/local-options.js';
import { CARGO_INSTALL_VICEROY, findViceroy } from '../src/testing/find-viceroy.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { canConnect, REPO_ROOT } from '../test/support/viceroy.js';

const ORIGIN_PORT = 8081;
const APP_PORT = 7676;
const APP_ADDR = `127.0.0.1:${APP_PORT}`;
const STREAM = DEFAULT_STREAM;

async function main() {
  const kinesis = await startLocalStream({ port: DEFAULT_KINESIS_PORT, stream: STREAM, shards: DEFAULT_SHARDS });
  console.log(`kinesalite   ${kinesis.url}  stream ${STREAM} (${DEFAULT_SHARDS} shards)`);
  const origin = await startDemoOrigin(ORIGIN_PORT);
  console.log(`demo origin  ${origin.url}`);

  if (!process.argv.includes('--skip-build')) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  const viceroy = viceroyChoice();
  const fastly = path.join(REPO_ROOT, 'node_modules/.bin/fastly');
  // Its own process group, so stopping it stops Viceroy too (the CLI does not pass a SIGTERM on).
  const serve = spawn(fastly, ['compute', 'serve', '--skip-build', '--addr', APP_ADDR, '--non-interactive', ...viceroy.args], {
    cwd: REPO_ROOT,
    env: { ...viceroy.env, FASTLY_WASM_METADATA_DISABLE: 'true' },
    stdio: 'inherit',
    detached: true,
  });
  const stopServe = () => {
    try {
      process.kill(-serve.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopServe();
    await origin.stop();
    await kinesis.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  serve.on('exit', (code) => {
    if (code !== 0 && !stopping && viceroy.args.length === 0) console.error(NO_VICEROY);
    void stop(code ?? 1);
  });
  await waitForPort(APP_PORT, 120_000);
  console.log(`
app          http://${APP_ADDR}/   (proxies to the demo origin, logs every request to ${STREAM})

Try:   curl -i http://${APP_ADDR}/hello?from=curl
       curl -i http://${APP_ADDR}/status/503
Then:  npm run tail          (records as they arrive: shard id and decoded line)
Ctrl-C stops kinesalite, the origin and Viceroy.
`);
}

const NO_VICEROY = `
The Fastly CLI could not run its own Viceroy (it downloads one from GitHub on first use).
Install Viceroy with Rust instead, then run npm run dev again:
  ${CARGO_INSTALL_VICEROY}
(or set VICEROY=/path/to/viceroy).`;

/**
 * A Viceroy of the user's ($VICEROY, PATH, ~/.cargo/bin) goes to the Fastly CLI as --viceroy-path;
 * otherwise the CLI runs its own copy, fetching it first when it has none (internet access needed).
 */
function viceroyChoice(): { args: string[]; env: NodeJS.ProcessEnv } {
  // FASTLY_VICEROY_USE_PATH would make the CLI look in PATH only, past the order chosen here.
  const { FASTLY_VICEROY_USE_PATH: _ignored, ...env } = process.env;
  const found = findViceroy();
  if (found && found.source !== 'fastly-cli') {
    console.log(`viceroy      ${found.path} (from ${found.source})`);
    return { args: ['--viceroy-path', found.path], env };
  }
  console.log(
    found
      ? `viceroy      the Fastly CLI's copy (${found.path})`
      : 'viceroy      none in $VICEROY, PATH or ~/.cargo/bin: the Fastly CLI uses its own copy (downloaded on first use)',
  );
  return { args: [], env };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing answers on port ${port} after ${timeoutMs / 1000} s`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

