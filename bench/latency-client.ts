/**
 * The measuring client of bench/e2e-overhead.ts, in a process of its own: kinesalite, the fault
 * proxy and the demo origin run in the bench's process, and their work (a PutRecords call to store
 * per logged request) must not hold up the event loop that times the responses.
 *
 * argv[2]: JSON { on: url, off: url, requests: n, warmup: n }. Requests alternate between the two
 * apps (which goes first alternates too), one at a time. Prints JSON { on: ms[], off: ms[] } on
 * stdout, warm-up requests left out.
 */
const { on, off, requests, warmup } = JSON.parse(process.argv[2]) as { on: string; off: string; requests: number; warmup: number };

const timings = { on: [] as number[], off: [] as number[] };
for (let i = 0; i < requests + warmup; i++) {
  const order = i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const);
  for (const side of order) {
    const started = performance.now();
    const response = await fetch(`${side === 'on' ? on : off}/bench/${i}?side=${side}`);
    await response.arrayBuffer();
    if (i >= warmup) timings[side].push(performance.now() - started);
  }
}
process.stdout.write(JSON.stringify(timings));

export {};
