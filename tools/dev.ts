/**
 * `npm run dev`: the whole product on this machine, no AWS account needed.
 *   kinesalite (in memory) on 127.0.0.1:4567 with stream `compute-logs` (4 shards),
 *   the demo origin on 127.0.0.1:8081,
 *   the compiled app in Viceroy on 127.0.0.1:7676 (`fastly compute serve`).
 * Viceroy: the one on PATH or in ~/.cargo/bin when there is one (FASTLY_VICEROY_USE_PATH), else the
 * Fastly CLI's own copy, which it downloads on first use (a machine with internet access). When
 * neither works, it says what to do. Ctrl-C stops everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createStream, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { canConnect, REPO_ROOT, viceroyBinary } from '../test/support/viceroy.js';

/** The Viceroy the tests and CI build (.ci/run); a newer one runs this app too. */
const VICEROY_VERSION = '0.20.1';

const KINESIS_PORT = 4567;
const ORIGIN_PORT = 8081;
const APP_PORT = 7676;
const APP_ADDR = `127.0.0.1:${APP_PORT}`;
const STREAM = 'compute-logs';

async function main() {
  const kinesis = await startLocalKinesis(KINESIS_PORT);
  await createStream(kinesis.url, STREAM, 4);
  console.log(`kinesalite   ${kinesis.url}  stream ${STREAM} (4 shards)`);
  const origin = await startDemoOrigin(ORIGIN_PORT);
  console.log(`demo origin  ${origin.url}`);

  if (!process.argv.includes('--skip-build')) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  const env = viceroyEnvironment();
  const fastly = path.join(REPO_ROOT, 'node_modules/.bin/fastly');
  // Its own process group, so stopping it stops Viceroy too (the CLI does not pass a SIGTERM on).
  const serve = spawn(fastly, ['compute', 'serve', '--skip-build', '--addr', APP_ADDR, '--non-interactive'], {
    cwd: REPO_ROOT,
    env: { ...env, FASTLY_WASM_METADATA_DISABLE: 'true' },
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
    if (code !== 0 && !stopping && env.FASTLY_VICEROY_USE_PATH === undefined) console.error(NO_VICEROY);
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
  cargo install viceroy --locked --version ${VICEROY_VERSION}
(or set VICEROY=/path/to/viceroy).`;

/**
 * Viceroy from PATH or ~/.cargo/bin when there is one, else the Fastly CLI's own (which it fetches
 * itself, so the first run without Rust needs internet access).
 */
function viceroyEnvironment(): NodeJS.ProcessEnv {
  const viceroy = viceroyBinary();
  const local = existsSync(viceroy) || spawnSync(viceroy, ['--version']).status === 0;
  if (local) {
    console.log(`viceroy      ${viceroy} (FASTLY_VICEROY_USE_PATH=1)`);
    return { ...process.env, FASTLY_VICEROY_USE_PATH: '1', PATH: `${path.dirname(viceroy)}${path.delimiter}${process.env.PATH}` };
  }
  console.log('viceroy      none on PATH or in ~/.cargo/bin: the Fastly CLI uses its own copy (downloaded on first use)');
  const { FASTLY_VICEROY_USE_PATH: _ignored, ...rest } = process.env;
  return rest;
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

