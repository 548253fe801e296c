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
 * poll(2) blocks: it is only ever called on a worker thread (main/guard/trigger-worker.ts), with a
 * timeout so that thread can be stopped and given new groups.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import koffi from 'koffi';
import { errnoName, SyscallError } from './syscalls';

export const POLLPRI = 0x002;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
/** Bytes of one `struct pollfd` (int fd; short events; short revents). */
export const POLLFD_SIZE = 8;

const libc = koffi.load('libc.so.6');
const pollFn = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');

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

  constructor(readonly capacity: number) {
    this.buffer = Buffer.alloc(capacity * POLLFD_SIZE);
  }

  /** Replace the watched fds (each waited on for POLLPRI). */
  set(fds: readonly number[]): void {
    if (fds.length > this.capacity) throw new RangeError(`at most ${this.capacity} trigger fds, got ${fds.length}`);
    this.count = fds.length;
    fds.forEach((fd, i) => {
      this.buffer.writeInt32LE(fd, i * POLLFD_SIZE);
      this.buffer.writeInt16LE(POLLPRI, i * POLLFD_SIZE + 4);
      this.buffer.writeInt16LE(0, i * POLLFD_SIZE + 6);
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
