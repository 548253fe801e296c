/**
 * The syscalls Headroom needs, through koffi. Each returns a value or throws a SyscallError carrying
 * the errno name (ESRCH, EPERM, EINVAL, EAGAIN, EINTR, ENOSYS…). errno is read immediately after
 * each call. Synchronous by design: callers that must not block run these on a worker thread or in
 * the helper process.
 *
 * The pidfd syscalls have the same numbers on x86_64 and aarch64 (the unified table from 5.1 on).
 */
import koffi from 'koffi';

export const SYS = {
  pidfd_send_signal: 424,
  pidfd_open: 434,
  process_mrelease: 448,
} as const;

export const SIGTERM = 15;
export const SIGKILL = 9;
export const MCL_CURRENT = 1;
export const MCL_FUTURE = 2;
const POLLIN = 0x001;

const ERRNO_NAMES = new Map<number, string>(Object.entries(koffi.os.errno as Record<string, number>).map(([name, n]) => [n, name]));

/** The errno name for a number, e.g. 3 → "ESRCH". */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** A failed syscall: `code` is the errno name, `errno` the number. */
export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly errno: number,
  ) {
    super(`${syscall} failed: ${errnoName(errno)}`);
    this.name = 'SyscallError';
  }
  get code(): string {
    return errnoName(this.errno);
  }
}

if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
  throw new Error(`Headroom's syscalls need Linux on x86_64 or aarch64, not ${process.platform}/${process.arch}`);
}

const libc = koffi.load('libc.so.6');
const syscall = libc.func('long syscall(long number, ...)');
const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const mlockallFn = libc.func('int mlockall(int flags)');
const getuidFn = libc.func('uint32_t getuid(void)');
const geteuidFn = libc.func('uint32_t geteuid(void)');
const closeFn = libc.func('int close(int fd)');
const prctlFn = libc.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)');

const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;

function check(name: string, ret: number | bigint): number {
  const value = Number(ret);
  if (value === -1) throw new SyscallError(name, koffi.errno());
  return value;
}

/** pidfd_open(pid, 0): an fd that refers to this process for as long as it is open, even after PID reuse. */
export function pidfdOpen(pid: number): number {
  return check('pidfd_open', syscall(SYS.pidfd_open, 'int', pid, 'uint', 0));
}

/** pidfd_send_signal(pidfd, sig, NULL, 0): kill(2) through the fd. */
export function pidfdSendSignal(pidfd: number, signal: number): void {
  check('pidfd_send_signal', syscall(SYS.pidfd_send_signal, 'int', pidfd, 'int', signal, 'void *', null, 'uint', 0));
}

/** process_mrelease(pidfd, 0): free a dying process's address space from the caller's context. */
export function processMrelease(pidfd: number): void {
  check('process_mrelease', syscall(SYS.process_mrelease, 'int', pidfd, 'uint', 0));
}

/** Wait until the fd is readable (for a pidfd: the process exited). False on timeout. */
export function waitReadable(fd: number, timeoutMs: number): boolean {
  const pollfd = Buffer.alloc(8);
  pollfd.writeInt32LE(fd, 0);
  pollfd.writeInt16LE(POLLIN, 4);
  for (;;) {
    const ret = Number(poll(pollfd, 1, Math.max(0, Math.floor(timeoutMs))));
    if (ret === -1) {
      const errno = koffi.errno();
      if (errnoName(errno) === 'EINTR') continue;
      throw new SyscallError('poll', errno);
    }
    return ret > 0 && (pollfd.readInt16LE(6) & POLLIN) !== 0;
  }
}

/** close(2); errors are ignored (the fd is gone either way). */
export function closeFd(fd: number): void {
  closeFn(fd);
}

/** mlockall(flags): keep this process's pages resident so it still works while the system thrashes. */
export function mlockall(flags: number): void {
  check('mlockall', mlockallFn(flags));
}

/**
 * prctl(PR_SET_DUMPABLE, 0): this process becomes non-dumpable. Its /proc/PID entries then belong to
 * root, so other processes of the same user can no longer open /proc/PID/fd/N (nor ptrace it, nor read
 * its environ, maps or io); the process itself still reads most of its own /proc/self (see
 * main/reaper/helper-client.ts for what changes). It lasts until the process execs; children that
 * exec are dumpable again.
 */
export function makeNonDumpable(): void {
  check('prctl(PR_SET_DUMPABLE)', prctlFn(PR_SET_DUMPABLE, 0, 0, 0, 0));
}

/** prctl(PR_GET_DUMPABLE): false once makeNonDumpable() ran (or for a set-uid program). */
export function isDumpable(): boolean {
  return check('prctl(PR_GET_DUMPABLE)', prctlFn(PR_GET_DUMPABLE, 0, 0, 0, 0)) === 1;
}

/** The real uid of this process. */
export function getuid(): number {
  return Number(getuidFn());
}

/** The effective uid of this process. */
export function geteuid(): number {
  return Number(geteuidFn());
}

/** True when the kernel has process_mrelease (5.15+): probing with fd -1 gives EBADF there, ENOSYS where absent. */
export function probeProcessMrelease(): boolean {
  try {
    processMrelease(-1);
    return true;
  } catch (err) {
    return !(err instanceof SyscallError && err.code === 'ENOSYS');
  }
}

/** True when the kernel has pidfd_open (5.3+). */
export function probePidfd(): boolean {
  try {
    closeFd(pidfdOpen(process.pid));
    return true;
  } catch {
    return false;
  }
}
