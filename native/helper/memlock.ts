/**
 * Keep the helper's code resident so a reap still works while the system thrashes.
 *
 * mlockall() cannot be used in a Node process: V8 returns heap pages with madvise(MADV_DONTNEED),
 * which fails with EINVAL on locked memory, and V8 aborts ("Check failed: 0 == ret") — measured
 * here with MCL_CURRENT, MCL_CURRENT|MCL_FUTURE and with MCL_ONFAULT, with and without --jitless
 * (docs/BENCHMARKS.md, "Reap"). The best measured alternative: mlock() the executable file mappings
 * (node's text, koffi's .node, libc), which are exactly the pages the kernel evicts first under
 * pressure and that V8 never madvises. The JS heap is anonymous memory: it only leaves RAM for swap.
 */
import { readFileSync } from 'node:fs';
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const mlockFn = libc.func('int mlock(uintptr_t addr, size_t len)');

/** What lockCodePages() did, for the helper's hello `features`. */
export interface CodeLock {
  lockedBytes: number;
  /** Mappings that could not be locked (e.g. EPERM/ENOMEM without CAP_IPC_LOCK), with the errno name. */
  failures: number;
  error?: string;
}

/** mlock() every executable, file-backed mapping of this process. Never throws. */
export function lockCodePages(): CodeLock {
  let lockedBytes = 0;
  let failures = 0;
  let error: string | undefined;
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'latin1');
  } catch (err) {
    return { lockedBytes: 0, failures: 1, error: String(err) };
  }
  for (const line of maps.split('\n')) {
    // "start-end perms offset dev inode path": executable and backed by a file (inode != 0).
    const [range, perms, , , inode, path] = line.split(/\s+/);
    if (!range || !perms?.includes('x') || inode === '0' || !path?.startsWith('/')) continue;
    const [start, end] = range.split('-').map((hex) => BigInt(`0x${hex}`));
    const length = Number(end! - start!);
    if (Number(mlockFn(start!, length)) === 0) lockedBytes += length;
    else {
      failures++;
      error ??= `mlock failed (errno ${koffi.errno()})`;
    }
  }
  return { lockedBytes, failures, ...(error ? { error } : {}) };
}
