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
const schedSetschedulerFn = libc.func('int sched_setscheduler(int pid, int policy, const void *param)');
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

/**
 * Set the nice value of one thread of this process by its kernel thread id (e.g. a libuv thread-pool
 * thread found waiting in a call of ours). Returns null on success, else the errno name.
 */
export function setTaskNice(tid: number, nice: number): string | null {
  if (Number(setpriorityFn(PRIO_PROCESS, tid, nice)) === 0) return null;
  return errnoName(koffi.errno());
}

/** The nice value reapers ask for: well above normal work, still below the kernel's own -20 threads. */
export const REAPER_NICE = -10;

const SCHED_OTHER = 0;
const SCHED_FIFO = 1;

/**
 * Run the calling thread as SCHED_FIFO (priority 1, the lowest real-time one) until the returned
 * function is called: for the kill-to-release stretch of a reap only. A nice of −10 is not enough on
 * a loaded machine — with 20 runnable nice-0 tasks on one CPU and two nice −10 spinners on the
 * other, the scheduler's weights are even and the reaper got about a third of a CPU, so releasing
 * 1 GiB took 0.8–1.6 s instead of ~40 ms (docs/BENCHMARKS.md, "Click to freed"). The kernel's
 * real-time throttling (sched_rt_runtime_us) still bounds it. Needs root or CAP_SYS_NICE; otherwise
 * nothing changes and the restore function does nothing.
 */
export function realtimeForRelease(): () => void {
  const tid = gettid();
  const param = Buffer.alloc(4);
  param.writeInt32LE(1, 0);
  if (Number(schedSetschedulerFn(tid, SCHED_FIFO, param)) !== 0) return () => {};
  return () => {
    param.writeInt32LE(0, 0);
    schedSetschedulerFn(tid, SCHED_OTHER, param);
  };
}
