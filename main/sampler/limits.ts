/** The process's open-file limit, and the share of it the sampler may keep open. */
import { readFileSync } from 'node:fs';

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

/**
 * The default fd budget: half the soft limit minus room for everything else, capped at 8,192.
 * With the common soft limit of 1,024 that is 448 kept-open fds; the rest of the processes are
 * read with open+read+close (≈ 3× the cost, still correct).
 */
export function defaultFdBudget(limit = openFileLimit()): number {
  return Math.max(0, Math.min(8192, Math.floor(limit / 2) - 64));
}
