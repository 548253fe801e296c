/**
 * Keep the guard's code resident while everything around it thrashes. mlockall() is not an option
 * in Node (V8 madvises heap pages away and aborts on locked memory: native/helper/memlock.ts), so
 * this locks every file-backed mapping of the process — node's text and read-only data, ICU data,
 * libc, koffi's .node — which are exactly the pages reclaim takes first when there is no swap and
 * which V8 never madvises. The JS heap is anonymous: without swap it cannot be evicted anyway; with
 * swap it can, and nothing short of mlockall would keep it.
 * Needs CAP_IPC_LOCK or enough RLIMIT_MEMLOCK; what could not be locked is counted, never fatal.
 */
import { readFileSync } from 'node:fs';
import koffi from 'koffi';
import { errnoName } from './syscalls';

const libc = koffi.load('libc.so.6');
const mlockFn = libc.func('int mlock(uintptr_t addr, size_t len)');

/** What lockFileMappings() did. */
export interface FileLock {
  lockedBytes: number;
  /** Mappings that could not be locked, and the first errno name. */
  failures: number;
  error: string | null;
}

/** mlock() every file-backed mapping of this process (executable or not). Never throws. */
export function lockFileMappings(): FileLock {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'latin1');
  } catch (err) {
    return { lockedBytes: 0, failures: 1, error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  let lockedBytes = 0;
  let failures = 0;
  let error: string | null = null;
  for (const line of maps.split('\n')) {
    // "start-end perms offset dev inode path": backed by a file (inode != 0, absolute path).
    const [range, perms, , , inode, path] = line.split(/\s+/);
    if (!range || !perms || inode === '0' || !path?.startsWith('/') || perms.startsWith('---')) continue;
    const [start, end] = range.split('-').map((hex) => BigInt(`0x${hex}`));
    const length = Number(end! - start!);
    if (Number(mlockFn(start!, length)) === 0) lockedBytes += length;
    else {
      failures++;
      error ??= errnoName(koffi.errno());
    }
  }
  return { lockedBytes, failures, error };
}
