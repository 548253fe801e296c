/** The graph series: bounded append, window slicing, and downsampling that keeps spikes. */
import { describe, expect, it } from 'vitest';
import { historyPointOf } from '../../contract/history';
import { pressurePath, pressureTop } from '../../renderer/components/Charts';
import { oneDecimal } from '../../renderer/components/gapped-path';
import { sparklinePath } from '../../renderer/components/PsiStrip';
import { niceMax } from '../../renderer/components/SvgTimeChart';
import { relativeTimeLabel, timeTicks } from '../../renderer/components/time-axis';
import { appendPoint, bucketMsFor, chartPointOf, downsample, downsampleByTime, maxGapMsFor, seriesCapacity, sliceFrom, type ChartPoint } from '../../renderer/state/series';
import { makeHistory, makeSnapshot, typicalApps } from './factory';

const points = (n: number): ChartPoint[] => makeHistory(n, 1_000_000 + (n - 1) * 1000).points.map(chartPointOf);

describe('series', () => {
  it('converts a snapshot to a chart point through the contract’s historyPointOf', () => {
    const p = chartPointOf(historyPointOf(makeSnapshot(typicalApps(), { time: 5000, availableGiB: 4 })));
    expect(p).toMatchObject({ t: 5000, memSomePct: 14, memFullPct: 4, memSomeAvg10: 12.5, cpuSomePct: 6, ioSomePct: 2, availableGiB: 4, usedGiB: 12, swapGiB: 1 });
    expect(chartPointOf(historyPointOf(makeSnapshot(typicalApps(), { psi: false }))).memSomePct).toBeNull();
  });

  it('keeps at most the capacity, drops the oldest, and ignores a point that is not newer', () => {
    expect(seriesCapacity(10, 1000)).toBe(601);
    let s: readonly ChartPoint[] = points(3);
    const next = { ...s[2]!, t: s[2]!.t + 1000 };
    s = appendPoint(s, next, 3);
    expect(s.map((p) => p.t)).toEqual([1_001_000, 1_002_000, 1_003_000]);
    expect(appendPoint(s, { ...next }, 3)).toBe(s);
  });

  it('starts again at a point far older than the last (the clock set back), so the charts keep moving', () => {
    const s = points(3);
    // A replay a few seconds old is still ignored.
    expect(appendPoint(s, { ...s[2]!, t: s[2]!.t - 5000 }, 10)).toBe(s);
    const back = { ...s[2]!, t: s[2]!.t - 3600_000 };
    expect(appendPoint(s, back, 10)).toEqual([back]);
  });

  it('slices the window by time', () => {
    const s = points(100);
    expect(sliceFrom(s, s[40]!.t).length).toBe(60);
    expect(sliceFrom(s, 0)).toBe(s);
    expect(sliceFrom(s, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('downsamples to the limit while keeping the peak pressure, the lowest available memory and the newest point', () => {
    const s = points(2000).map((p) => ({ ...p }));
    s[777]!.memFullPct = 93;
    s[1234]!.availableGiB = 0.25;
    s[555]!.memSomePct = null;
    const d = downsample(s, 300);
    expect(d.length).toBe(300);
    expect(Math.max(...d.map((p) => p.memFullPct ?? 0))).toBe(93);
    expect(Math.min(...d.map((p) => p.availableGiB))).toBe(0.25);
    expect(d[d.length - 1]).toBe(s[s.length - 1]);
    expect(d.every((p, i) => i === 0 || p.t > d[i - 1]!.t)).toBe(true);
    expect(downsample(s.slice(0, 100), 300).length).toBe(100);
  });

  it('sizes buckets to about 3 px per point in whole sampling intervals', () => {
    expect(bucketMsFor(600_000, 572, 1000)).toBe(4000); // 190 buckets → 3.2 s → 4 s
    expect(bucketMsFor(300_000, 572, 1000)).toBe(2000);
    expect(bucketMsFor(60_000, 572, 1000)).toBe(1000); // never finer than one sample
    expect(bucketMsFor(600_000, 572, 500)).toBe(3500);
  });

  it('buckets by clock time, keeping each bucket’s worst moment and the newest point exact', () => {
    const s = points(600).map((p) => ({ ...p }));
    s[301]!.memFullPct = 93;
    s[450]!.availableGiB = 0.25;
    s[120]!.memSomePct = null;
    const bucketMs = 3000;
    const d = downsampleByTime(s, bucketMs);
    expect(d.length).toBeLessThanOrEqual(Math.ceil(600 / 3) + 1);
    expect(d.length).toBeGreaterThanOrEqual(200);
    expect(Math.max(...d.map((p) => p.memFullPct ?? 0))).toBe(93);
    expect(Math.min(...d.map((p) => p.availableGiB))).toBe(0.25);
    expect(d[d.length - 1]).toBe(s[s.length - 1]);
    expect(d.every((p, i) => i === 0 || p.t > d[i - 1]!.t)).toBe(true);
    // A bucket's null stays null only when all its samples are null.
    expect(d.find((p) => Math.floor(p.t / bucketMs) === Math.floor(s[120]!.t / bucketMs))!.memSomePct).not.toBeNull();
    // The series untouched: buckets are copies.
    expect(s[301]!.memFullPct).toBe(93);
  });

  it('leaves closed buckets unchanged when the window slides by one sample', () => {
    const s = points(601);
    const bucketMs = 3000;
    const before = downsampleByTime(s.slice(0, 600), bucketMs);
    const after = downsampleByTime(s.slice(1), bucketMs);
    // Everything but the oldest (which lost a sample) and the two newest buckets is the same.
    expect(after.slice(1, -2).length).toBeGreaterThan(190);
    expect(after.slice(1, -2)).toEqual(before.slice(1, -2).filter((p) => p.t >= after[1]!.t));
    expect(downsampleByTime(s.slice(0, 2), bucketMs)).toHaveLength(2);
  });
});

describe('time axis and cpu/io strip', () => {
  it('puts ticks at round steps back from now and labels them relative to now', () => {
    expect(timeTicks(60_000)).toEqual([-60_000, -45_000, -30_000, -15_000, 0]);
    expect(timeTicks(600_000)).toEqual([-600_000, -480_000, -360_000, -240_000, -120_000, 0]);
    expect([0, -15_000, -120_000].map(relativeTimeLabel)).toEqual(['now', '\u221215 s', '\u22122 min']);
  });

  it('draws the strip through known values and breaks the line at a gap', () => {
    const base = points(4).map((p) => ({ ...p }));
    base[2]!.cpuSomePct = null;
    base[0]!.cpuSomePct = 0;
    base[1]!.cpuSomePct = 50;
    base[3]!.cpuSomePct = 100;
    // 3 s window ending at the newest point, 300 px wide, 102 px high, 0–100 %: y = 102 − v/100 × 100 − 1.
    expect(sparklinePath({ points: base, to: base[3]!.t, maxGapMs: Infinity }, 'cpuSomePct', 3000, 300, 102, 100)).toBe('M0.0 101.0L100.0 51.0M300.0 1.0');
  });
});

describe('pressure lines', () => {
  // A point x ms before the newest (to = 0, so t is x).
  const at = (x: number, memSomePct: number | null) => ({ ...points(1)[0]!, t: x, memSomePct, memFullPct: 1, memSomeAvg10: 2, memFullAvg10: 3 });
  const plot = (data: ReturnType<typeof at>[], maxGapMs = Infinity) => ({ points: data, to: 0, maxGapMs });

  it('draws the known values and breaks the line where a value is missing, as recharts does', () => {
    const data = [at(-3000, 10), at(-2000, null), at(-1000, 20), at(0, 30)];
    expect(pressurePath(plot(data), 'memSomePct', (x) => x / 100 + 100, (v) => 100 - v)).toBe('M70.0 90.0M90.0 80.0L100.0 70.0');
    // A flat run is written as its two ends: the same line.
    expect(pressurePath(plot(data), 'memFullPct', (x) => x / 100 + 100, (v) => 100 - v)).toBe('M70.0 99.0L100.0 99.0');
  });

  it('breaks the line across a stretch with no samples longer than the gap allowed, not across a shorter one', () => {
    // Samples 1 s apart, then nothing for 40 s (Headroom not running, or paused), then samples again.
    const data = [at(-45_000, 10), at(-44_000, 12), at(-4000, 20), at(-3000, 22)];
    const xOf = (x: number) => x / 1000 + 50;
    expect(pressurePath(plot(data, 30_000), 'memSomePct', xOf, (v) => v)).toBe('M5.0 10.0L6.0 12.0M46.0 20.0L47.0 22.0');
    expect(pressurePath(plot(data, 60_000), 'memSomePct', xOf, (v) => v)).toBe('M5.0 10.0L6.0 12.0L46.0 20.0L47.0 22.0');
    // A flat run that a gap cuts keeps both of its ends on each side.
    const flat = [at(-45_000, 5), at(-44_000, 5), at(-43_000, 5), at(-3000, 5), at(-2000, 5)];
    expect(pressurePath(plot(flat, 30_000), 'memSomePct', xOf, (v) => v)).toBe('M5.0 5.0L7.0 5.0M47.0 5.0L48.0 5.0');
  });

  it('allows a gap of three buckets, never less than 15 s (a tick late under load joins up)', () => {
    expect(maxGapMsFor(1000)).toBe(15_000);
    expect(maxGapMsFor(5000)).toBe(15_000);
    expect(maxGapMsFor(10_000)).toBe(30_000);
    expect(maxGapMsFor(455_000)).toBe(1_365_000);
  });

  it('keeps every point off a horizontal run, both ends of each run, and a run broken by a gap', () => {
    const ys = [5, 5, 5, 7, 7, 3, null, 3, 3, 3, 4];
    const data = ys.map((v, i) => at(i * 1000 - 10_000, v));
    expect(pressurePath(plot(data), 'memSomePct', (x) => x / 1000 + 10, (v) => v)).toBe('M0.0 5.0L2.0 5.0L3.0 7.0L4.0 7.0L5.0 3.0M7.0 3.0L9.0 3.0L10.0 4.0');
    // A single point, and a flat line that ends the data.
    expect(pressurePath(plot([at(0, 1)]), 'memSomePct', (x) => x, (v) => v)).toBe('M0.0 1.0');
    expect(pressurePath(plot([at(0, 1), at(1, 1), at(2, 1)]), 'memSomePct', (x) => x, (v) => v)).toBe('M0.0 1.0L2.0 1.0');
  });

  it('writes coordinates with one decimal exactly as toFixed(1) does, away from exact halves', () => {
    const values = [0, -0, 0.04, -0.04, 0.5, -0.5, 1, -1, 9.96, 101, -15.26, 1234.56, 0.999, -0.06, 7.25 + 1e-9, 640.3333];
    for (let i = 0; i < 500; i++) values.push(Math.sin(i * 12.9898) * 10 ** (i % 5), (i * 0.37) % 97);
    const halfway = (v: number) => Math.abs(((Math.abs(v) * 10) % 1) - 0.5) < 1e-6;
    const checked = values.filter((v) => !halfway(v));
    expect(checked.length).toBeGreaterThan(900);
    for (const v of checked) expect(oneDecimal(v), String(v)).toBe(v.toFixed(1) === '-0.0' ? '0.0' : v.toFixed(1));
    expect(oneDecimal(Number.NaN)).toBe('NaN');
  });

  it('tops the axis at the highest value or threshold, rounded up to 5 %, at least 5 %', () => {
    expect(pressureTop([at(0, 0)], [])).toBe(5);
    expect(pressureTop([at(0, 0)], [20, 10])).toBe(20);
    expect(pressureTop([at(0, 41.2)], [20, 10])).toBe(45);
    expect(pressureTop([], [])).toBe(5);
  });
});

describe('memory chart scale', () => {
  it('rounds the top of the value axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 3.7, 13, 22, 24, 60, 101].map(niceMax)).toEqual([1, 0.5, 5, 20, 25, 25, 100, 200]);
  });
});
