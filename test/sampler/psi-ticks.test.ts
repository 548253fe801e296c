import { describe, expect, it } from 'vitest';
import { PsiTicks } from '../../main/sampler/psi-ticks';
import { parsePsi } from '../../main/sampler/parse/psi';
import { fixture } from './fixtures';

const line = (totalUs: number) => ({ avg10: 1, avg60: 2, avg300: 3, totalUs });

describe('PsiTicks', () => {
  it('turns total deltas into the stall share of the tick', () => {
    const ticks = new PsiTicks();
    const first = ticks.resolve('memory', { some: line(1_000_000), full: line(0) }, 5_000_000);
    expect(first.some.tickPct).toBeNull();
    expect(first.full?.tickPct).toBeNull();
    // 250 ms of some-stall and 100 ms of full-stall in one second.
    const second = ticks.resolve('memory', { some: line(1_250_000), full: line(100_000) }, 6_000_000);
    expect(second.some.tickPct).toBeCloseTo(25);
    expect(second.full?.tickPct).toBeCloseTo(10);
    expect(second.some).toMatchObject({ avg10: 1, avg60: 2, avg300: 3, totalUs: 1_250_000 });
  });

  it('keeps sources apart, caps at 100 %, and gives null when a total goes backwards (a recreated cgroup)', () => {
    const ticks = new PsiTicks();
    ticks.resolve('a', { some: line(0), full: null }, 0);
    ticks.resolve('b', { some: line(500), full: null }, 0);
    expect(ticks.resolve('a', { some: line(2_000_000), full: null }, 1_000_000).some.tickPct).toBe(100);
    expect(ticks.resolve('b', { some: line(100), full: null }, 1_000_000).some.tickPct).toBeNull();
  });

  it('forgets sources not seen since the last sweep', () => {
    const ticks = new PsiTicks();
    ticks.resolve('gone', { some: line(0), full: null }, 0);
    ticks.sweep();
    ticks.sweep();
    expect(ticks.resolve('gone', { some: line(10), full: null }, 1000).some.tickPct).toBeNull();
  });

  it('works on a real cpu file without a full line', () => {
    const raw = parsePsi(fixture('pressure-cpu-no-full')).value!;
    const ticks = new PsiTicks();
    ticks.resolve('cpu', raw, 0);
    const next = ticks.resolve('cpu', { ...raw, some: { ...raw.some, totalUs: raw.some.totalUs + 5000 } }, 10_000);
    expect(next.full).toBeNull();
    expect(next.some.tickPct).toBeCloseTo(50);
  });
});
