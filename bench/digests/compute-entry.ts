/**
 * The Compute program bench/digests.ts compiles (twice: hand-written and noble hashes) and runs in
 * Viceroy: `GET /?workload=<name>&n=<iterations>` answers the Measurement of workload.ts as JSON,
 * timed with the guest's performance.now(). Nothing runs at build time (Wizer): the clock is not
 * available there, and each request warms its own workload with one untimed run.
 */
import { measure } from './workload.js';

interface FetchEventLike extends Event {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

addEventListener('fetch', (event) => {
  const fetchEvent = event as unknown as FetchEventLike;
  const url = new URL(fetchEvent.request.url);
  const workload = url.searchParams.get('workload') ?? '';
  const iterations = Number(url.searchParams.get('n') ?? '10');
  try {
    const result = measure(workload, iterations, () => performance.now());
    fetchEvent.respondWith(new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json' } }));
  } catch (error) {
    fetchEvent.respondWith(new Response(error instanceof Error ? error.message : String(error), { status: 400 }));
  }
});
