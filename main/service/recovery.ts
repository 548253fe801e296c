/**
 * How much memory is available right now, counted so that a reap shows up when it happens.
 *
 * MemAvailable alone lags: pages freed by a reap first land on the per-CPU free page lists
 * (`count:` under `pagesets` in /proc/zoneinfo, 50–150 MiB on this kind of machine) and reach
 * MemAvailable over 5–25 s. So the recovery clock counts MemAvailable **plus** the per-CPU lists.
 */
import { readFileSync } from 'node:fs';
import { pageSize } from '../sampler/page-size';

// The page size comes from /proc/self/statm and status (page-size.ts), not from /proc/self/smaps as
// before: the kernel builds the whole smaps file for a read (~165 KB, every mapping's page tables
// walked), which cost the first reap 5–7 ms of CPU and 17–27 ms of wall time before its SIGKILL
// (docs/BENCHMARKS.md, "First reap").

/** MemAvailable from /proc/meminfo, in bytes. */
export function readMemAvailableBytes(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (!match) throw new Error('MemAvailable is missing from /proc/meminfo (kernel older than 3.14?)');
  return Number(match[1]) * 1024;
}

/** Pages on the per-CPU free lists of every zone (sum of `count:` in /proc/zoneinfo), in bytes; 0 if unreadable. */
export function readPerCpuFreeBytes(): number {
  let text: string;
  try {
    text = readFileSync('/proc/zoneinfo', 'utf8');
  } catch {
    return 0;
  }
  let pages = 0;
  // Only the pagesets blocks have `count:` lines.
  for (const match of text.matchAll(/^\s+count:\s+(\d+)$/gm)) pages += Number(match[1]);
  return pages * pageSize();
}

/** MemAvailable plus the per-CPU free page lists: the measure the recovery clock uses. */
export function readAvailableNowBytes(): number {
  return readMemAvailableBytes() + readPerCpuFreeBytes();
}

/** What a reap reads before its signal: MemAvailable (the marker's "before") and the recovery clock's baseline. */
export interface ReapBaseline {
  memAvailableBytes: number;
  availableNowBytes: number;
}

/** Read the baseline a reap takes just before its signal. Throws when /proc/meminfo cannot be read. */
export function readReapBaseline(): ReapBaseline {
  const memAvailableBytes = readMemAvailableBytes();
  return { memAvailableBytes, availableNowBytes: memAvailableBytes + readPerCpuFreeBytes() };
}

let baselinePrimed = false;

/**
 * Take one baseline now, off any reap's path (once, right after the caller's work: setImmediate),
 * so the first reap does not pay for the first run of these reads and their parsing before its
 * SIGKILL. Called when a reap becomes likely (a window's first call, auto-reap on). Errors are
 * ignored here: the reap reports its own.
 */
export function primeReapBaseline(): void {
  if (baselinePrimed) return;
  baselinePrimed = true;
  setImmediate(() => {
    try {
      readReapBaseline();
    } catch {
      // the reap will say it cannot measure recovery
    }
  });
}

export interface RecoveryWatch {
  /** Available memory (MemAvailable + per-CPU lists) before the reap. */
  baselineBytes: number;
  /** How much has to come back: 90 % of what the reap freed. */
  targetBytes: number;
  /** The wall-clock time the clock starts from (the signal). */
  startTime: number;
}

/**
 * Poll every `everyMs` until available memory (MemAvailable + per-CPU lists) is back above the
 * baseline by `targetBytes`; resolves with the ms since `startTime`, or null after `timeoutMs`.
 */
export function watchRecovery(watch: RecoveryWatch, everyMs = 100, timeoutMs = 30_000, signal?: AbortSignal): Promise<number | null> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      if (readAvailableNowBytes() - watch.baselineBytes >= watch.targetBytes) {
        resolve(Math.max(0, Date.now() - watch.startTime));
        return true;
      }
      return false;
    };
    if (check()) return;
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      if (signal?.aborted || Date.now() > deadline) {
        clearInterval(timer);
        resolve(null);
      } else if (check()) {
        clearInterval(timer);
      }
    }, everyMs);
    timer.unref();
  });
}
