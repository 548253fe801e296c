/**
 * PSI triggers (KERNEL.md, "PSI"): open a pressure file (`/proc/pressure/memory`, a cgroup v2 group's
 * `memory.pressure`), write `some|full <stall µs> <window µs>` and wait for POLLPRI. The kernel then
 * wakes the waiter at most once per window when the stall within the window passes the threshold;
 * POLLERR means the source went away (the group was removed). One trigger per fd; it dies with the fd.
 *
 * The kernel's psi_write() overwrites the last byte it copies with NUL, so the text is written with a
 * trailing NUL (as lmkd does); without it the window's last digit is cut off and the trigger is wrong.
 * Without CAP_SYS_RESOURCE the window must be a multiple of 2 s (EINVAL otherwise, seen here), so
 * callers try windows in order and take the first the kernel accepts.
 *
 * poll(2) blocks, so the guard never calls it on a JavaScript thread: PollSet.waitAsync runs it through
 * koffi's asynchronous call, on one of libuv's thread-pool threads (no V8 isolate of its own), and the
 * answer comes back to the main thread's event loop. A WakeFd (eventfd) in the same poll set lets the
 * main thread end a wait at once (new groups, stop) instead of waking on a timeout
 * (main/guard/trigger-watch.ts).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import koffi from 'koffi';
import { errnoName, SyscallError } from './syscalls';

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
/** Bytes of one `struct pollfd` (int fd; short events; short revents). */
export const POLLFD_SIZE = 8;

const libc = koffi.load('libc.so.6');
const pollFn = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const eventfdFn = libc.func('int eventfd(unsigned int initval, int flags)');
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

/** Why a trigger could not be set: the errno name (EINVAL: window refused; EPERM/EACCES; ENOENT; EOPNOTSUPP: psi=0). */
export class TriggerRefused extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    readonly spec: string,
  ) {
    super(`the kernel refused the PSI trigger '${spec}' on ${path} (${code})`);
    this.name = 'TriggerRefused';
  }
}

/**
 * Open `path` and arm a trigger: wake when `kind` stall reaches `stallUs` within `windowUs`.
 * Returns the fd (close it to remove the trigger); throws TriggerRefused with the errno name.
 */
export function openPsiTrigger(path: string, kind: 'some' | 'full', stallUs: number, windowUs: number): number {
  const spec = `${kind} ${Math.round(stallUs)} ${Math.round(windowUs)}`;
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (err) {
    throw new TriggerRefused(path, (err as NodeJS.ErrnoException).code ?? String(err), spec);
  }
  try {
    writeSync(fd, Buffer.from(`${spec}\0`));
  } catch (err) {
    closeSync(fd);
    throw new TriggerRefused(path, (err as NodeJS.ErrnoException).code ?? String(err), spec);
  }
  return fd;
}

/** A preallocated array of `struct pollfd`, reused on every wait (no allocation while thrashing). */
export class PollSet {
  private readonly buffer: Buffer;
  private count = 0;
  private waiting = false;

  constructor(readonly capacity: number) {
    this.buffer = Buffer.alloc(capacity * POLLFD_SIZE);
  }

  /** Replace the watched fds (each waited on for POLLPRI, or for `events`). */
  set(fds: readonly number[], events: readonly number[] = []): void {
    if (this.waiting) throw new Error('the poll set cannot change while a wait is in progress (the kernel is reading it)');
    if (fds.length > this.capacity) throw new RangeError(`at most ${this.capacity} trigger fds, got ${fds.length}`);
    this.count = fds.length;
    fds.forEach((fd, i) => {
      this.buffer.writeInt32LE(fd, i * POLLFD_SIZE);
      this.buffer.writeInt16LE(events[i] ?? POLLPRI, i * POLLFD_SIZE + 4);
      this.buffer.writeInt16LE(0, i * POLLFD_SIZE + 6);
    });
  }

  /** True while a waitAsync has not answered yet. */
  get busy(): boolean {
    return this.waiting;
  }

  /** The address of the pollfd array: how the thread waiting on it is recognised in /proc/self/task/TID/syscall. */
  address(): bigint {
    return koffi.address(this.buffer);
  }

  /**
   * Wait like wait(), on a libuv thread-pool thread: `done` runs on this thread's event loop with the
   * number of fds that have events (0 on timeout or EINTR) or the error. Until then the set cannot
   * change. Keep the fds open until `done` has run.
   */
  waitAsync(timeoutMs: number, done: (err: Error | null, ready: number) => void): void {
    if (this.waiting) throw new Error('a wait is already in progress on this poll set');
    for (let i = 0; i < this.count; i++) this.buffer.writeInt16LE(0, i * POLLFD_SIZE + 6);
    this.waiting = true;
    pollFn.async(this.buffer, this.count, timeoutMs < 0 ? -1 : Math.floor(timeoutMs), (err: unknown, ret: unknown) => {
      this.waiting = false;
      if (err) return done(err instanceof Error ? err : new Error(String(err)), 0);
      if (Number(ret) !== -1) return done(null, Number(ret));
      const errno = koffi.errno();
      if (errnoName(errno) === 'EINTR') return done(null, 0);
      done(new SyscallError('poll', errno), 0);
    });
  }

  /**
   * Block up to timeoutMs for any trigger; returns how many fds have events (0 on timeout or EINTR).
   * Throws SyscallError for any other poll failure.
   */
  wait(timeoutMs: number): number {
    for (let i = 0; i < this.count; i++) this.buffer.writeInt16LE(0, i * POLLFD_SIZE + 6);
    const ret = Number(pollFn(this.buffer, this.count, Math.max(0, Math.floor(timeoutMs))));
    if (ret === -1) {
      const errno = koffi.errno();
      if (errnoName(errno) === 'EINTR') return 0;
      throw new SyscallError('poll', errno);
    }
    return ret;
  }

  /** The revents of the i-th fd after wait(). */
  revents(i: number): number {
    return this.buffer.readInt16LE(i * POLLFD_SIZE + 6);
  }
}

/**
 * An eventfd the main thread writes to end a waitAsync at once: put `fd` in the poll set with POLLIN,
 * and drain() it after the wait answers. Non-blocking and close-on-exec.
 */
export class WakeFd {
  readonly fd: number;
  private readonly one = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  private readonly sink = Buffer.alloc(8);

  constructor() {
    const fd = Number(eventfdFn(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (fd < 0) throw new SyscallError('eventfd', koffi.errno());
    this.fd = fd;
  }

  /** Make the fd readable (wakes a poll waiting on it). */
  wake(): void {
    writeSync(this.fd, this.one);
  }

  /** Reset the counter after a wake-up. */
  drain(): void {
    try {
      readSync(this.fd, this.sink);
    } catch {
      // EAGAIN: nothing to drain.
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
