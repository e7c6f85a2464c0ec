/**
 * Build-time warm-up. Module code of a Compute program runs once, when the program is built (in
 * the Wizer snapshot), and every sandbox starts from that snapshot; code that has never run is
 * compiled on first use, in every new sandbox, inside its first request. The entries (src/index.ts
 * and the library's) call `warmUp()` at module level, so the logging path is compiled (and
 * Fastly's default formats are in the compile caches) before any request: the configuration
 * loader over endpoints using those formats, their renders (format/warm-up.ts), and signing
 * (`warmUpSigning` in aws/signed-fetch.ts, through delivery/). Signing also initialises the
 * runtime's crypto, which it does lazily: a new sandbox's first SHA-256 cost 2–4 ms of CPU in
 * Viceroy 0.20.1 (js-compute 3.46) when nothing had used it at build time, 0.15 ms after.
 * Measured with bench/compare-builds.ts: a sandbox's first logged request 31–40 ms without this,
 * 12.5–14.7 ms with it.
 *
 * The runtime refuses Request and Response outside a request, so the warm-up stops short of them;
 * `performance.now()` on its path makes the build itself fail (Wizer traps; js-compute 3.46), so
 * nothing it runs may time itself. It leaves nothing per instance behind (no loaded
 * configuration, no counters, no randomness drawn). A failure costs only the speed-up: it is kept
 * for the admin page (`instance.warmUp`).
 */
import { loadServiceConfig } from '../config/index.js';
import { warmUpDelivery } from '../delivery/index.js';
import { WARMED_UP_FORMATS, warmUpFormats } from '../format/index.js';

/**
 * A Config Store's items with one endpoint per format warmed up (the first without `format`: the
 * Kinesis default), read by the real loader so its parsing and checks (the JSON template's among
 * them) are compiled too.
 */
function warmUpConfigItems(): Record<string, string> {
  const names = WARMED_UP_FORMATS.map((_, i) => `warmup${i}`);
  const items: Record<string, string> = { endpoints: names.join(',') };
  WARMED_UP_FORMATS.forEach((format, i) => {
    items[names[i]] = JSON.stringify({ stream_name: 'warm-up', region: 'us-east-1', ...(i === 0 ? {} : { format }) });
  });
  return items;
}

let outcome = 'not run';

export async function warmUp(): Promise<void> {
  outcome = 'running';
  try {
    const items = warmUpConfigItems();
    const config = loadServiceConfig({ get: (key) => items[key] ?? null });
    if (config.errors.length > 0) throw new Error(`the warm-up configuration did not load: ${config.errors[0].message}`);
    warmUpFormats();
    await warmUpDelivery();
    outcome = 'done';
  } catch (error) {
    outcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** `done`, `failed: <why>`, or `not run` (a program that never called it). */
export function warmUpOutcome(): string {
  return outcome;
}
