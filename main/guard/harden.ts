/**
 * Hardening for a guard process (`headroom guard`): it must keep running while the desktop thrashes.
 * 1. Priority: nice −10 on the main thread *before* any worker starts, so the sampler and reap threads
 *    and libuv's pool (where the PSI trigger wait runs) inherit it (Linux threads take their creator's nice). Allowed for root or
 *    CAP_SYS_NICE; an ordinary user gets EACCES and runs at normal priority.
 * 2. Memory: every file-backed mapping locked (native/guard-memlock.ts): node's code and read-only
 *    data are what reclaim evicts first without swap, and refaulting them is what stalls a process
 *    under pressure. Code loaded later (the workers' modules are in the same files) is covered once
 *    the mappings exist; mapping new files after this call are not locked.
 * The window's service does not call this: locking Electron's whole image is a different trade-off,
 * so there only the pool thread of the trigger wait is raised (trigger-watch.ts).
 */
import { lockFileMappings, type FileLock } from '../../native/guard-memlock';
import { REAPER_NICE, setThreadNice } from '../../native/priority';

/** What hardening achieved, for the log line and the benchmark. */
export interface Hardening {
  /** Null when nice −10 was set, else the errno name. */
  niceError: string | null;
  lock: FileLock;
}

/** Raise this thread's priority and lock the process's file mappings. Never throws. */
export function hardenGuardProcess(): Hardening {
  const niceError = setThreadNice(REAPER_NICE);
  return { niceError, lock: lockFileMappings() };
}

/** "locked 93 MiB of code and data, nice −10" in plain words. */
export function describeHardening(h: Hardening): string {
  const mib = Math.round(h.lock.lockedBytes / (1024 * 1024));
  const locked = h.lock.failures > 0 ? `locked ${mib} MiB of code (${h.lock.failures} mappings refused: ${h.lock.error})` : `locked ${mib} MiB of code and data`;
  const nice = h.niceError ? `normal priority (nice −10 refused: ${h.niceError})` : 'nice −10';
  return `${locked}, ${nice}`;
}
