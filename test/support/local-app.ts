/**
 * The app in Viceroy with what `npm run dev` runs beside it: kinesalite holding the streams a test
 * asks for, and the demo origin. One start and one stop for the e2e files that need nothing more
 * (files that put a fault proxy or an origin of their own in between start the parts themselves).
 */
import { createStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from './origin.js';
import { startViceroy, type ViceroyApp } from './viceroy.js';

export interface LocalAppOptions {
  /** Stream name → shard count, created before Viceroy starts. */
  streams: Record<string, number>;
  /** Edits fastly.toml's local configuration; `kinesis` is there for endpoint URLs. */
  editManifest?: (toml: string, kinesis: LocalKinesis) => string;
  /** Another compiled program (default bin/main.wasm). */
  wasm?: string;
}

export interface LocalApp {
  app: ViceroyApp;
  kinesis: LocalKinesis;
  origin: DemoOrigin;
  stop(): Promise<void>;
}

export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const kinesis = await startLocalKinesis();
  let origin: DemoOrigin | undefined;
  try {
    origin = await startDemoOrigin();
    for (const [name, shards] of Object.entries(options.streams)) await createStream(kinesis.url, name, shards);
    const edit = options.editManifest;
    const app = await startViceroy({
      ports: { origin: origin.port, kinesis: kinesis.port },
      editManifest: edit && ((toml) => edit(toml, kinesis)),
      wasm: options.wasm,
    });
    const started = origin;
    return {
      app,
      kinesis,
      origin: started,
      async stop() {
        await app.shutdown();
        await started.stop();
        await kinesis.stop();
      },
    };
  } catch (error) {
    await origin?.stop();
    await kinesis.stop();
    throw error;
  }
}
