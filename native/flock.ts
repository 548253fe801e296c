/**
 * flock(2) through koffi, for the guard's per-user lock: an advisory lock on an open file
 * description, released by the kernel when the fd is closed or the process dies (no stale locks
 * after a crash). Non-blocking only: a guard never waits for another.
 */
import koffi from 'koffi';
import { errnoName } from './syscalls';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

const libc = koffi.load('libc.so.6');
const flockFn = libc.func('int flock(int fd, int operation)');

/** Try to take an exclusive lock on fd without waiting: null when taken, else the errno name (EWOULDBLOCK: held elsewhere). */
export function tryLockExclusive(fd: number): string | null {
  if (Number(flockFn(fd, LOCK_EX | LOCK_NB)) === 0) return null;
  return errnoName(koffi.errno());
}

/** Release a lock taken with tryLockExclusive (closing the fd does the same). */
export function unlock(fd: number): void {
  flockFn(fd, LOCK_UN);
}
