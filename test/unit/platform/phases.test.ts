import { describe, expect, it } from 'vitest';
import { enterPhase, startPhases, waiting } from '../../../src/platform/phases.js';

describe('phase meter', () => {
  it('charges the time between marks to the phase that was entered, and waits apart', async () => {
    let t = 0;
    const meter = startPhases(() => t, 'facts');
    t = 1;
    enterPhase('render');
    t = 1.25;
    const answer = waiting(new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 0)));
    t = 4.25; // while awaiting: wait
    expect(await answer).toBe('ok');
    t = 4.5; // back in render
    enterPhase('signing');
    t = 5;
    const phases = meter.finish();
    expect(phases).toMatchObject({ facts: 1000, render: 500, wait: 3000, signing: 500, fetch: 0 });
  });

  it('does nothing, and reads no clock, when no meter runs', async () => {
    let reads = 0;
    const meter = startPhases(() => ++reads, 'facts');
    meter.finish();
    const before = reads;
    enterPhase('render');
    expect(await waiting(Promise.resolve(3))).toBe(3);
    expect(reads).toBe(before);
    // A finished meter is not touched by later marks.
    expect(meter.finish().render).toBe(0);
  });
});

describe('overlapping waits', () => {
  it('count once, from the first start to the last end, then resume the phase that was running', async () => {
    let t = 0;
    const meter = startPhases(() => t, 'signing');
    let release: Array<() => void> = [];
    const gate = () => new Promise<void>((resolve) => release.push(resolve));
    t = 1;
    const both = Promise.all([waiting(gate()), waiting(gate())]);
    t = 3;
    release[0]();
    await Promise.resolve();
    t = 4;
    release[1]();
    await both;
    t = 6;
    const phases = meter.finish();
    release = [];
    expect(phases).toMatchObject({ signing: 3000, wait: 3000 });
  });
});
