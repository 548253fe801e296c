/**
 * Keeping the store bounded: whole segment pairs are deleted, oldest first — first those that ended
 * before the retention period (a tick segment ends where the next tick segment begins, a follower's
 * events-only file at its last write), then, while the folder is still
 * over its size cap, the oldest of the rest by when they were made (sequence.ts). `now` is the
 * recorder's RetentionClock, which a clock set wrong for a moment cannot move ahead. The segment being written is never deleted. Deleting
 * whole files keeps every remaining file intact and readable; nothing is ever rewritten in place.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listSegments } from './segments';
import { byWriteOrder } from './sequence';
import { forgetCached } from './sys-cache';

/** What a retention pass removed. */
export interface RetentionResult {
  deleted: string[];
  bytesAfter: number;
  oldestTime: number | null;
}

/** Delete segments older than `retentionMs` before `now`, then the oldest until under `maxBytes`. */
export function applyRetention(dir: string, now: number, retentionMs: number, maxBytes: number, keepStem: string | null): RetentionResult {
  const { segments } = listSegments(dir);
  const deleted: string[] = [];
  let total = segments.reduce((sum, s) => sum + s.sysBytes + s.appsBytes, 0);
  const remove = (stem: string, bytes: number): void => {
    const paths = [join(dir, `${stem}.sys`), join(dir, `${stem}.apps`)];
    for (const p of paths) {
      try {
        unlinkSync(p);
      } catch {
        // Gone already (another process's retention pass, or a follower's file removed by hand).
      }
    }
    forgetCached(paths);
    deleted.push(stem);
    total -= bytes;
  };
  const kept = segments.filter((seg) => {
    if (seg.stem === keepStem || seg.end >= now - retentionMs) return true;
    remove(seg.stem, seg.sysBytes + seg.appsBytes);
    return false;
  });
  // Over the cap: the oldest by when they were made, not by their names' times (sequence.ts).
  const left = [...kept].sort(byWriteOrder);
  while (total > maxBytes && left.length > 0 && left[0]!.stem !== keepStem) {
    const oldest = left.shift()!;
    remove(oldest.stem, oldest.sysBytes + oldest.appsBytes);
  }
  return { deleted, bytesAfter: total, oldestTime: left.length > 0 ? Math.min(...left.map((seg) => seg.start)) : null };
}
