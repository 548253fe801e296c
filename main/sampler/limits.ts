/** The process's open-file limit, and the share of it the sampler may keep open. */
import { readFileSync } from 'node:fs';
import { MAX_GROUPS } from './idle-groups';
import { MAX_KEPT } from './kept-files';

/** Soft limit on open files (RLIMIT_NOFILE) from /proc/self/limits; 1024 when it cannot be read. */
export function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return 1 << 20;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

/** Fds the sampler keeps open besides the statm ones, at most: the idle groups' two each and the kept files'. */
export const OTHER_KEPT_FDS = 2 * MAX_GROUPS + MAX_KEPT;

/**
 * The default fd budget for kept statm fds: half the soft limit minus the sampler's other kept fds
 * and some room, capped at 8,192, so the sampler never keeps more than half the limit in all (it
 * counted only the statm fds, and at a soft limit of 1,024 could hold 963: found by review). Node
 * raises its soft limit to the hard one at start, so this is 8,192 on most systems; at 1,024 it is
 * none, and every process is read with open+read+close (≈ 3× the cost, still correct).
 */
export function defaultFdBudget(limit = openFileLimit()): number {
  return Math.max(0, Math.min(8192, Math.floor(limit / 2) - 64 - OTHER_KEPT_FDS));
}
