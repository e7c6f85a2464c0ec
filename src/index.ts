/// <reference types="@fastly/js-compute" />
/**
 * Entry point: registers the fetch handler over the Fastly platform, nothing else.
 */
import { handleRequest } from './handler/handle-request.js';
import { fastlyPlatform } from './platform/fastly.js';

addEventListener('fetch', (event) => {
  event.respondWith(
    handleRequest(event, fastlyPlatform).catch((error: unknown) => {
      console.error(`compute-kinesis-logger: request failed: ${error instanceof Error ? error.message : error}`);
      return new Response('internal error\n', { status: 500 });
    }),
  );
});
