/**
 * Which of a process's in-memory points the store lacks. While writing failed (a full disk, a
 * read-only remount) the window's own ring still holds those ticks; once recording resumes, a range
 * read must show them instead of a hole. A memory point is covered when a stored record has its very
 * time (the writer's own ticks), or when it lies between two stored records no farther apart than
 * STRETCH_FACTOR tick intervals (a follower samples at other moments: while the writer records, its
 * points fall inside such a stretch and are not drawn twice). Anything else — inside a longer silence
 * of the store, before its first record or after its last — is a stretch the store lacks. Finding
 * the records near the memory points is one pass over the range's times; only those are sorted and
 * searched (a 24 h read with a 3,600-point ring: within noise of the same read without, ~5 ms here).
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

interface StoredTick {
  t: number;
  intervalMs: number;
}

/** The points of `points` (ticks `intervalMs` apart) that no record of `files` covers, in their order. */
export function unstoredPoints(files: readonly DecodedSys[], points: readonly HistoryPoint[], intervalMs: number): HistoryPoint[] {
  if (points.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.t);
    hi = Math.max(hi, p.t);
  }
  const near: StoredTick[] = [];
  for (const f of files) {
    for (let i = 0; i < f.times.length; i++) {
      const t = f.times[i]!;
      if (t >= lo - NEAR_MS && t <= hi + NEAR_MS) near.push({ t, intervalMs: systemIntervalMs(f.buf, f.systemOffsets[i]!) });
    }
  }
  near.sort((a, b) => a.t - b.t);
  return points.filter((p) => {
    // after: the first record at or after p; before: the last one before it.
    let a = 0;
    let b = near.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (near[mid]!.t < p.t) a = mid + 1;
      else b = mid;
    }
    const after = near[a];
    const before = near[a - 1];
    if ((after && Math.abs(after.t - p.t) < 1) || (before && p.t - before.t < 1)) return false;
    if (!after || !before) return true;
    return after.t - before.t > STRETCH_FACTOR * Math.max(intervalMs, after.intervalMs, before.intervalMs);
  });
}
