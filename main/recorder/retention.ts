/**
 * Keeping the store bounded: whole segment pairs are deleted, oldest first — first those that ended
 * before the retention period (a segment ends where the next begins), then, while the folder is still
 * over its size cap, the oldest of the rest. The segment being written is never deleted. Deleting
 * whole files keeps every remaining file intact and readable; nothing is ever rewritten in place.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { forgetCached, listSegments } from './store-reader';

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
  const kept = [...segments];
  while (kept.length > 1) {
    const [oldest, next] = kept as [(typeof kept)[0], (typeof kept)[0]];
    if (oldest.stem === keepStem || next.start >= now - retentionMs) break;
    remove(oldest.stem, oldest.sysBytes + oldest.appsBytes);
    kept.shift();
  }
  while (total > maxBytes && kept.length > 0 && kept[0]!.stem !== keepStem) {
    const oldest = kept.shift()!;
    remove(oldest.stem, oldest.sysBytes + oldest.appsBytes);
  }
  return { deleted, bytesAfter: total, oldestTime: kept[0]?.start ?? null };
}
