/// <reference types="@fastly/js-compute" />
/**
 * The floor of logging to a Fastly log endpoint (bench/floor.ts): the floor proxy, plus one fixed
 * line written with `fastly:logger` after the response.
 */
import { setReusableSandboxOptions } from 'fastly:experimental';
import { Logger } from 'fastly:logger';
import { FLOOR_LINE } from './floor-line.js';

declare const SANDBOX_OPTIONS: { maxRequests: number; betweenRequestTimeoutMs: number; sandboxTimeoutMs: number; maxMemoryMiB: number };
setReusableSandboxOptions(SANDBOX_OPTIONS);

const logger = new Logger('floor');

addEventListener('fetch', (event) => {
  const response = fetch(event.request, { backend: 'origin' });
  event.waitUntil(response.then(() => logger.log(FLOOR_LINE)));
  event.respondWith(response);
});
