/**
 * Raise the priority of the thread that reaps. process_mrelease frees the victim's memory in the
 * caller's context, so under CPU contention the reaper must win the CPU (lmkd runs its reaper at
 * high priority for the same reason). Only root (or CAP_SYS_NICE) may go below nice 0; for an
 * ordinary user this fails with EACCES and the reap simply runs at normal priority.
 */
import koffi from 'koffi';
import { errnoName } from './syscalls';

const PRIO_PROCESS = 0;
const SYS_gettid = process.arch === 'arm64' ? 178 : 186;

const libc = koffi.load('libc.so.6');
const setpriorityFn = libc.func('int setpriority(int which, uint32_t who, int prio)');
const syscall = libc.func('long syscall(long number, ...)');

/** The calling thread's kernel thread id. */
export function gettid(): number {
  return Number(syscall(SYS_gettid));
}

/**
 * Set the calling thread's nice value (on Linux, setpriority on a tid affects only that thread).
 * Returns null on success, else the errno name (e.g. "EACCES" for an unprivileged caller).
 */
export function setThreadNice(nice: number): string | null {
  if (Number(setpriorityFn(PRIO_PROCESS, gettid(), nice)) === 0) return null;
  return errnoName(koffi.errno());
}

/** The nice value reapers ask for: well above normal work, still below the kernel's own -20 threads. */
export const REAPER_NICE = -10;
