/**
 * The guard's "sample now" on both sampler loops: with a 10 s interval, sampleNow() delivers the next
 * snapshot at once (well before the interval), and the pace then continues from that tick.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../contract/snapshot';
import { SamplerLoop } from '../../main/sampler/loop';
import { WorkerSamplerLoop } from '../../main/sampler/worker-loop';

const loops: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const loop of loops.splice(0)) loop.stop();
});

function next(loop: SamplerLoop | WorkerSamplerLoop, withinMs: number): Promise<Snapshot | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (off(), resolve(null)), withinMs);
    const off = loop.onSnapshot((s) => (clearTimeout(timer), off(), resolve(s)));
  });
}

describe.each([
  ['WorkerSamplerLoop (worker thread)', () => new WorkerSamplerLoop({ intervalMs: 10_000 })],
  ['SamplerLoop (this thread)', () => new SamplerLoop({ intervalMs: 10_000 })],
])('%s sampleNow()', (_name, make) => {
  it('takes the next sample at once, then keeps the interval', async () => {
    const loop = make();
    loops.push(loop);
    const first = next(loop, 15_000);
    loop.start();
    const a = await first;
    expect(a).not.toBeNull();
    // Nothing for the next 1.5 s on a 10 s pace…
    expect(await next(loop, 1500)).toBeNull();
    // …until asked.
    const asked = next(loop, 5000);
    loop.sampleNow();
    const b = await asked;
    expect(b?.seq).toBe(a!.seq + 1);
    expect(await next(loop, 2000)).toBeNull();
  }, 40_000);
});
