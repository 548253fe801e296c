/**
 * Which of a process's in-memory points the store lacks. While writing failed (a full disk, a
 * read-only remount) the window's own ring still holds those ticks; once recording resumes, a range
 * read must show them instead of a hole. A memory point is covered when a stored record has its very
 * time (the writer's own ticks), or when it lies between two stored records no farther apart than
 * STRETCH_FACTOR tick intervals (a follower samples at other moments: while the writer records, its
 * points fall inside such a stretch and are not drawn twice). Anything else — inside a longer silence
 * of the store, before its first record or after its last — is a stretch the store lacks. The
 * records near the memory points are collected from the files that reach them, and one walk over
 * both time-ordered lists decides (costs in docs/BENCHMARKS.md, "Tenth pass").
 */
import type { HistoryPoint } from '../../contract/history';
import { systemIntervalMs } from './codec';
import type { DecodedSys } from './sys-cache';

/** The longest tick interval the settings allow (contract/settings.ts). */
const MAX_INTERVAL_MS = 10_000;
/** Two records at most this many tick intervals apart are one unbroken stretch (ticks jitter and are sometimes late). */
const STRETCH_FACTOR = 1.5;
/** Records farther than this from every memory point cannot bound a stretch around one. */
const NEAR_MS = Math.ceil(STRETCH_FACTOR * MAX_INTERVAL_MS);

/** The points of `points` (time-ordered ticks `intervalMs` apart) that no record of `files` covers, in their order. */
export function unstoredPoints(files: readonly DecodedSys[], points: readonly HistoryPoint[], intervalMs: number): HistoryPoint[] {
  if (points.length === 0) return [];
  for (let i = 1; i < points.length; i++) if (points[i]!.t < points[i - 1]!.t) return unstoredPoints(files, [...points].sort((x, y) => x.t - y.t), intervalMs);
  const lo = points[0]!.t - NEAR_MS;
  const hi = points[points.length - 1]!.t + NEAR_MS;
  // The stored records near the memory points: times and their tick intervals, in two flat arrays.
  const times: number[] = [];
  const intervals: number[] = [];
  let sorted = true;
  for (const f of files) {
    const n = f.times.length;
    // A file's records are in write order: one wholly outside the span is skipped unread.
    if (n === 0 || f.times[n - 1]! < lo || f.times[0]! > hi) continue;
    for (let i = 0; i < n; i++) {
      const t = f.times[i]!;
      if (t < lo || t > hi) continue;
      if (times.length > 0 && t < times[times.length - 1]!) sorted = false;
      times.push(t);
      intervals.push(systemIntervalMs(f.buf, f.systemOffsets[i]!));
    }
  }
  // Segments are read in time order and one writer's ticks follow one another, so this is rare.
  if (!sorted) {
    const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
    const t2 = order.map((i) => times[i]!);
    const i2 = order.map((i) => intervals[i]!);
    times.splice(0, times.length, ...t2);
    intervals.splice(0, intervals.length, ...i2);
  }
  const out: HistoryPoint[] = [];
  // One walk over both time-ordered lists: `a` is the first record at or after the point.
  let a = 0;
  for (const p of points) {
    while (a < times.length && times[a]! < p.t) a++;
    const after = a < times.length ? times[a]! : null;
    const before = a > 0 ? times[a - 1]! : null;
    // The writer's own tick (the same time), the common case: covered.
    if ((after !== null && after - p.t < 1) || (before !== null && p.t - before < 1)) continue;
    if (after === null || before === null || after - before > STRETCH_FACTOR * Math.max(intervalMs, intervals[a]!, intervals[a - 1]!)) out.push(p);
  }
  return out;
}
