/// <reference types="@fastly/js-compute" />
/**
 * The floor of a proxy on Compute (bench/floor.ts): the origin's response handed back as it came.
 * Built with the product's sandbox-reuse options, so the only difference from the product is what
 * the product does beyond the job.
 */
import { setReusableSandboxOptions } from 'fastly:experimental';

declare const SANDBOX_OPTIONS: { maxRequests: number; betweenRequestTimeoutMs: number; sandboxTimeoutMs: number; maxMemoryMiB: number };
setReusableSandboxOptions(SANDBOX_OPTIONS);

addEventListener('fetch', (event) => event.respondWith(fetch(event.request, { backend: 'origin' })));
