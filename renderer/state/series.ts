/**
 * The graph series in the renderer: a bounded array of chart points (history points with memory
 * already in GiB, converted once per point), the slice for the selected window, and downsampling
 * so a chart never draws more points than it has pixels.
 */
import type { HistoryPoint } from '../../contract/history';
import { toGiB } from '../format/units';

export interface ChartPoint {
  t: number;
  memSomePct: number | null;
  memFullPct: number | null;
  memSomeAvg10: number | null;
  memFullAvg10: number | null;
  cpuSomePct: number | null;
  ioSomePct: number | null;
  availableGiB: number;
  usedGiB: number;
  swapGiB: number;
  zramGiB: number;
}

/** The chart point for one history point. */
export function chartPointOf(p: HistoryPoint): ChartPoint {
  return {
    t: p.t,
    memSomePct: p.memSomePct,
    memFullPct: p.memFullPct,
    memSomeAvg10: p.memSomeAvg10,
    memFullAvg10: p.memFullAvg10,
    cpuSomePct: p.cpuSomePct,
    ioSomePct: p.ioSomePct,
    availableGiB: toGiB(p.availableBytes),
    usedGiB: toGiB(p.usedBytes),
    swapGiB: toGiB(p.swapUsedBytes),
    zramGiB: toGiB(p.zramUsedBytes),
  };
}

/**
 * One tick's points for a chart and the newest sample's time: a point is drawn at x = t − to (ms
 * before the newest, ≤ 0), worked out while its line is written, so no point is copied a tick.
 */
export interface PlotData {
  points: readonly ChartPoint[];
  to: number;
  /** Lines break between two points further apart than this (maxGapMsFor): a time nothing was sampled. */
  maxGapMs: number;
}

/**
 * Below this a gap between two samples is drawn through at any sampling interval: a tick late
 * under load (the sampler stalled for seconds while the machine thrashed) is still a measurement of
 * that stretch, its per-tick pressure taken over the whole of it. A longer stretch is a time
 * nothing ran: Headroom stopped, restarted or paused.
 */
export const MIN_GAP_MS = 15_000;

/**
 * How far apart two points may be and still be joined by a line, for points downsampled into
 * `bucketMs` buckets (bucketMsFor: whole sampling intervals): two neighbouring buckets' worst
 * moments can be up to two buckets apart, so three buckets, never less than MIN_GAP_MS. A line is
 * broken only where a longer stretch has no point at all.
 */
export function maxGapMsFor(bucketMs: number): number {
  return Math.max(MIN_GAP_MS, 3 * bucketMs);
}

/** How many points `historyMinutes` of history holds at `intervalMs`. */
export function seriesCapacity(historyMinutes: number, intervalMs: number): number {
  return Math.max(2, Math.ceil((historyMinutes * 60_000) / intervalMs) + 1);
}

/** A point this much older than the last one comes after the clock was set back, not from a replay. */
const CLOCK_SET_BACK_MS = 30_000;

/**
 * A new series with `point` appended, keeping at most `capacity` points. A point not newer than
 * the last one (a replayed snapshot after a reconnect) is ignored; one far older (the clock was set
 * back: NTP, by hand) starts the series again, or the charts would stand still until the clock
 * caught up with the old points (an hour for an hour).
 */
export function appendPoint(series: readonly ChartPoint[], point: ChartPoint, capacity: number): readonly ChartPoint[] {
  const last = series[series.length - 1];
  if (last && point.t < last.t - CLOCK_SET_BACK_MS) return [point];
  if (last && point.t <= last.t) return series;
  const start = Math.max(0, series.length + 1 - capacity);
  const next = series.slice(start);
  next.push(point);
  return next;
}

/** The index of the first point with t ≥ `t` (binary search: the series is sorted by time); the length when none. */
export function firstIndexAtOrAfter(series: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points with t ≥ from. */
export function sliceFrom(series: readonly ChartPoint[], from: number): readonly ChartPoint[] {
  const lo = firstIndexAtOrAfter(series, from);
  return lo === 0 ? series : series.slice(lo);
}

type NullableKey = 'memSomePct' | 'memFullPct' | 'memSomeAvg10' | 'memFullAvg10' | 'cpuSomePct' | 'ioSomePct';
const PEAK_KEYS: NullableKey[] = ['memSomePct', 'memFullPct', 'memSomeAvg10', 'memFullAvg10', 'cpuSomePct', 'ioSomePct'];

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/** Merge `p` into the bucket's point `acc`, keeping the worst moment of every line. */
function mergeWorst(acc: ChartPoint, p: ChartPoint): void {
  for (const k of PEAK_KEYS) acc[k] = maxOrNull(acc[k], p[k]);
  if (p.availableGiB < acc.availableGiB) acc.availableGiB = p.availableGiB;
  if (p.usedGiB > acc.usedGiB) acc.usedGiB = p.usedGiB;
  if (p.swapGiB > acc.swapGiB) acc.swapGiB = p.swapGiB;
  if (p.zramGiB > acc.zramGiB) acc.zramGiB = p.zramGiB;
}

/**
 * At most `maxPoints` points. Each bucket keeps the worst moment: the peak of every pressure line
 * and of used/swap/zram, the lowest available memory, so a short spike never vanishes.
 */
export function downsample(points: readonly ChartPoint[], maxPoints: number): readonly ChartPoint[] {
  if (points.length <= maxPoints || maxPoints < 2) return points;
  const bucket = points.length / maxPoints;
  const out: ChartPoint[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor(b * bucket);
    const to = Math.min(points.length, Math.floor((b + 1) * bucket));
    const acc: ChartPoint = { ...points[from]! };
    for (let i = from + 1; i < to; i++) mergeWorst(acc, points[i]!);
    out.push(acc);
  }
  // The newest point stays exact: the right edge is what the person is watching.
  out[out.length - 1] = points[points.length - 1]!;
  return out;
}

/**
 * The bucket width for a chart `pixels` wide showing `windowMs`: about `pixelsPerPoint` pixels per
 * point (a line chart looks the same with a point every 2–3 px), rounded up to whole sampling
 * intervals so every bucket holds the same number of samples and the line does not shimmer.
 */
export function bucketMsFor(windowMs: number, pixels: number, intervalMs: number, pixelsPerPoint = 3): number {
  const buckets = Math.max(30, Math.floor(pixels / pixelsPerPoint));
  const step = Math.max(1, intervalMs);
  return Math.max(step, Math.ceil(windowMs / buckets / step) * step);
}

/**
 * One point per `bucketMs` of time, buckets aligned to the clock (t / bucketMs), each keeping the
 * worst moment of its samples (peak pressure, lowest available memory). Because the buckets are
 * aligned to the clock and not to the window's edge, a new sample only changes the newest bucket,
 * so the line does not wobble as it scrolls. The newest sample stays exact.
 */
export function downsampleByTime(points: readonly ChartPoint[], bucketMs: number): readonly ChartPoint[] {
  if (bucketMs <= 1 || points.length <= 2) return points;
  const out: ChartPoint[] = [];
  let current: ChartPoint | null = null;
  // A bucket of one sample is that sample itself; it is copied only when a second one merges in
  // (at 1 s samples and 1 s buckets, the 5-minute window, no point is copied at all).
  let copied = false;
  let currentBucket = Number.NaN;
  for (const p of points) {
    const b = Math.floor(p.t / bucketMs);
    if (current !== null && b === currentBucket) {
      if (!copied) {
        const copy: ChartPoint = { ...(current as ChartPoint) };
        current = copy;
        out[out.length - 1] = copy;
        copied = true;
      }
      mergeWorst(current, p);
      continue;
    }
    current = p;
    copied = false;
    currentBucket = b;
    out.push(current);
  }
  // The newest point stays exact: the right edge is what the person is watching.
  out[out.length - 1] = points[points.length - 1]!;
  return out;
}
