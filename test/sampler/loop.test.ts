// SamplerLoop on the real sampler: it ticks, keeps bounded history, survives a failing tick.
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryPointSchema } from '../../contract/history';
import { SnapshotSchema, type Snapshot } from '../../contract/snapshot';
import { createSampler, SamplerLoop, type Sampler } from '../../main/sampler';

const loops: SamplerLoop[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function loop(options: ConstructorParameters<typeof SamplerLoop>[0]): SamplerLoop {
  const l = new SamplerLoop(options);
  loops.push(l);
  return l;
}

afterEach(() => {
  for (const l of loops.splice(0)) l.stop();
});

describe('SamplerLoop', () => {
  it('ticks on its own, keeps the latest snapshot and a history of graph points, and stops', async () => {
    const l = loop({ intervalMs: 250 });
    const seen: Snapshot[] = [];
    l.onSnapshot((s) => seen.push(s));
    expect(l.latest()).toBeNull();
    expect(l.medianSampleMs()).toBeNull();
    l.start();
    l.start(); // a second start does nothing
    await sleep(1100);
    // ~5 ticks in 1.1 s at 250 ms; a loaded machine may give fewer, never a pile-up.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(6);
    expect(seen.map((s) => s.seq)).toEqual(seen.map((_, i) => i));
    expect(l.latest()).toBe(seen[seen.length - 1]);
    SnapshotSchema.parse(l.latest());
    expect(l.latest()!.intervalMs).toBe(250);
    const history = l.history();
    expect(history).toHaveLength(seen.length);
    for (const p of history) HistoryPointSchema.parse(p);
    expect(history.map((p) => p.t)).toEqual(seen.map((s) => s.time));
    expect(l.medianSampleMs()).toBeGreaterThan(0);
    l.stop();
    const count = seen.length;
    await sleep(600);
    expect(seen.length).toBe(count);
    // Resumed after a pause: a cold sampler, but seq goes on from where it stopped.
    l.start(); // the first tick runs inside start()
    l.stop();
    expect(seen.length).toBe(count + 1);
    expect(seen.at(-1)!.seq).toBe(count);
    expect(seen.at(-1)!.memory.rates.majorFaultsPerSec).toBeNull();
  });

  it('keeps ticking when a tick throws or a listener throws, and counts both', async () => {
    const real = createSampler();
    let calls = 0;
    // Real sampler; the second call fails the way an unexpected read error would.
    const flaky: Sampler = {
      sample() {
        calls++;
        if (calls === 2) throw new Error('EIO reading /proc/meminfo');
        return real.sample();
      },
      setIntervalMs: (ms) => real.setIntervalMs(ms),
      get fdsOpen() {
        return real.fdsOpen;
      },
      get fdLimit() {
        return real.fdLimit;
      },
      close: () => real.close(),
    };
    const l = loop({ intervalMs: 250, sampler: flaky });
    let delivered = 0;
    l.onSnapshot(() => {
      delivered++;
      if (delivered === 1) throw new Error('listener bug');
    });
    l.start();
    await sleep(1100);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(delivered).toBe(calls - 1);
    expect(l.errors().count).toBe(2);
    expect(l.history()).toHaveLength(calls - 1);
    l.stop();
    expect(real.fdsOpen).toBe(0);
  });

  it('unsubscribes listeners, resizes history keeping the newest, and validates its settings', async () => {
    const l = loop({ intervalMs: 250, historyLength: 3 });
    let count = 0;
    const off = l.onSnapshot(() => count++);
    l.start();
    await sleep(1100);
    off();
    const at = count;
    expect(l.history().length).toBeLessThanOrEqual(3);
    const newest = l.history().at(-1);
    l.setHistoryLength(1);
    expect(l.history()).toEqual([newest]);
    await sleep(600);
    expect(count).toBe(at);
    expect(() => l.setIntervalMs(100)).toThrow(RangeError);
    expect(() => l.setIntervalMs(20_000)).toThrow(RangeError);
    expect(() => l.setHistoryLength(0)).toThrow(RangeError);
    expect(() => new SamplerLoop({ intervalMs: 1.5 })).toThrow(RangeError);
    l.setIntervalMs(10_000);
    expect(l.getIntervalMs()).toBe(10_000);
  });

  it('applies a new interval from the last tick on', async () => {
    const l = loop({ intervalMs: 10_000 });
    const seen: Snapshot[] = [];
    l.onSnapshot((s) => seen.push(s));
    l.start();
    await sleep(300);
    expect(seen).toHaveLength(1);
    l.setIntervalMs(250);
    await sleep(700);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)!.intervalMs).toBe(250);
  });
});
