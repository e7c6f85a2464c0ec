/**
 * `compute-kinesis-logger local-kinesis [--port 4567] [--stream compute-logs] [--shards 4]`: a local
 * Kinesis for `fastly compute serve`: kinesalite (the user's optional peer dependency) on
 * 127.0.0.1:<port>, with the stream created and ACTIVE, until Ctrl-C. One line says where it listens
 * and the URL fastly.toml's `[local_server.backends.kinesis]` takes (Viceroy sends Kinesis calls to
 * that backend's URL, so the endpoints need no `endpoint_url`).
 * `npm run dev` starts its Kinesis with startLocalStream too.
 *
 * What it does not do: keep records across runs (kinesalite keeps them in memory), or listen
 * anywhere but 127.0.0.1.
 */
import { createStream, INSTALL_KINESALITE, KinesaliteMissingError, type LocalKinesis, startLocalKinesis } from '../testing/local-kinesis.js';
import type { CommandSpec } from './args.js';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.js';
import { DEFAULT_KINESIS_PORT, DEFAULT_SHARDS, DEFAULT_STREAM, localKinesisUrl, MAX_SHARDS, parsePort, parseShards, parseStream } from './local-options.js';

export const LOCAL_KINESIS_COMMAND = {
  name: 'local-kinesis',
  summary: 'Run a local Kinesis (kinesalite) with a stream, for fastly compute serve, until Ctrl-C.',
  positionals: { usage: '', min: 0, max: 0 },
  options: {
    port: { type: 'string', value: '<port>', help: `port on 127.0.0.1 (default ${DEFAULT_KINESIS_PORT}; 0 = any free one)` },
    stream: { type: 'string', value: '<name>', help: `the stream to create (default ${DEFAULT_STREAM})` },
    shards: { type: 'string', value: '<n>', help: `its number of shards, 1-${MAX_SHARDS} (default ${DEFAULT_SHARDS})` },
  },
  details: `kinesalite is an optional peer dependency: install it in your app with
  ${INSTALL_KINESALITE}
Records live in memory: they are gone when it stops. Read them with
  compute-kinesis-logger tail --stream <name> --url <its URL>

exit status: 0 stopped by Ctrl-C (or SIGTERM), 2 usage error, kinesalite missing or the port taken`,
} satisfies CommandSpec;

/** Where the local Kinesis listens, and the stream it holds. */
export interface LocalStreamSettings {
  port: number;
  stream: string;
  shards: number;
}

/** A local Kinesis could not start: the message says why (and what to install). */
export class LocalKinesisError extends Error {
  override name = 'LocalKinesisError';
  constructor(
    message: string,
    readonly reason: 'kinesalite-missing' | 'port-in-use',
  ) {
    super(message);
  }
}

/** How a local stream comes to be: kinesalite started, then the stream created (and ACTIVE). */
export interface LocalStreamDeps {
  start: (port: number) => Promise<LocalKinesis>;
  createStream: (url: string, stream: string, shards: number) => Promise<void>;
}

const KINESALITE: LocalStreamDeps = { start: startLocalKinesis, createStream };

/**
 * Starts kinesalite on 127.0.0.1:<port> and creates the stream, waiting until it is ACTIVE.
 * @throws LocalKinesisError when kinesalite is not installed or the port is taken.
 */
export async function startLocalStream(settings: LocalStreamSettings, deps: LocalStreamDeps = KINESALITE): Promise<LocalKinesis> {
  let kinesis: LocalKinesis;
  try {
    kinesis = await deps.start(settings.port);
  } catch (error) {
    if (error instanceof KinesaliteMissingError) throw new LocalKinesisError(error.message, 'kinesalite-missing');
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new LocalKinesisError(`127.0.0.1:${settings.port} is already in use (another local Kinesis, or npm run dev?)`, 'port-in-use');
    }
    throw error;
  }
  try {
    await deps.createStream(kinesis.url, settings.stream, settings.shards);
  } catch (error) {
    await kinesis.stop();
    throw error;
  }
  return kinesis;
}

/** The one line `local-kinesis` prints once the stream is ACTIVE. */
export function readyLine(kinesis: LocalKinesis, settings: LocalStreamSettings): string {
  const url = localKinesisUrl(kinesis.port);
  return (
    `local-kinesis: listening on ${url}, stream ${settings.stream} (${settings.shards} shard${settings.shards === 1 ? '' : 's'}) ACTIVE; ` +
    `for fastly.toml: [local_server.backends.kinesis] url = "${url}"; Ctrl-C stops it\n`
  );
}

/** startLocalStream's parts, and the stop request (Ctrl-C) that ends the command. */
export interface LocalKinesisDeps extends LocalStreamDeps {
  /** Resolves when the user asks it to stop. */
  stopRequested: () => Promise<void>;
}

/** Ctrl-C and SIGTERM stop it (npm and terminals send one of them). */
function processDeps(): LocalKinesisDeps {
  return {
    ...KINESALITE,
    stopRequested: () =>
      new Promise((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
}

/** `local-kinesis`: runs until stopped (exit 0), or says why it cannot start (exit 2); a bad option is a UsageError. */
export async function runLocalKinesis(
  options: { port?: string; stream?: string; shards?: string },
  io: CliIo,
  deps?: LocalKinesisDeps,
): Promise<number> {
  const settings = { port: parsePort(options.port), stream: parseStream(options.stream), shards: parseShards(options.shards) };
  const { stopRequested, ...stream } = deps ?? processDeps();
  let kinesis: LocalKinesis;
  try {
    kinesis = await startLocalStream(settings, stream);
  } catch (error) {
    if (!(error instanceof LocalKinesisError)) throw error;
    io.err(`local-kinesis: ${error.message}${error.reason === 'port-in-use' ? ': choose another with --port' : ''}\n`);
    return EXIT_USAGE;
  }
  // A Ctrl-C before this point ends the process the default way: nothing outlives it.
  const stopped = stopRequested();
  io.out(readyLine(kinesis, settings));
  await stopped;
  await kinesis.stop();
  io.out('local-kinesis: stopped\n');
  return EXIT_OK;
}
