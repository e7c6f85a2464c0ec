/// <reference types="@fastly/js-compute" />
/**
 * Entry point: enables sandbox reuse, warms the logging path up at build time and registers the
 * fetch handler over the Fastly platform.
 */
import { setReusableSandboxOptions } from 'fastly:experimental';
import { handleRequest } from './handler/handle-request.js';
import { warmUp } from './handler/warm-up.js';
import { fastlyPlatform } from './platform/fastly.js';

/** Injected by webpack from the build environment (webpack.config.js, sandboxOptions). */
declare const SANDBOX_OPTIONS: { maxRequests: number; betweenRequestTimeoutMs: number; sandboxTimeoutMs: number; maxMemoryMiB: number };

// One sandbox serves several requests in turn, keeping per-instance state (configuration, shard
// map, credentials, signing keys, counters) between them. A sandbox takes its next request only
// once every waitUntil of the previous one has settled (verified in Viceroy 0.20.1), so nothing
// is ever held across requests. The sandbox timeout bounds how long a configuration change waits.
setReusableSandboxOptions(SANDBOX_OPTIONS);

// Runs now, at build time: the logging path is compiled in the snapshot (handler/warm-up.ts).
void warmUp();

addEventListener('fetch', (event) => {
  event.respondWith(
    handleRequest(event, fastlyPlatform).catch((error: unknown) => {
      console.error(`compute-kinesis-logger: request failed: ${error instanceof Error ? error.message : error}`);
      return new Response('internal error\n', { status: 500 });
    }),
  );
});
