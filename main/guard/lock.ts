/**
 * One guard acts per user: whoever holds an flock on the guard lock file may reap; every other guard
 * (the window's, `headroom guard --act`, the systemd user service) only warns and says what it would
 * do, with acting:false and a note naming the holder. The kernel drops the lock when the holder's fd
 * closes or it dies, so a crashed guard never blocks the next one; the others retry now and then.
 *
 * Where: one path per uid that neither the environment nor the session changes, so a window and a
 * `headroom guard --act` from su or cron — started before or after a login — always contend for the
 * same file: `<home>/.local/state/headroom/guard.lock` with the home directory from the password
 * database for the uid (not $HOME), else (a uid without a passwd entry) `/tmp/headroom-guard-<uid>/
 * guard.lock`. (It was /run/user/<uid> when that existed: a guard started before login locked the
 * other file, and both acted — found by review.) `HEADROOM_GUARD_LOCK` overrides the path for tests,
 * never in an installed app. While held, the file at the path must still be the one locked (a file
 * removed or replaced would let another guard lock a new one): checked at every use, else let go.
 *
 * The file holds the holder's PID and the time of its last auto-reap on the system's monotonic
 * clock, with the boot it was taken in (/proc/sys/kernel/random/boot_id): a guard that takes the
 * lock over keeps the cooldown the previous holder started (it had started with none and could reap
 * again in the same episode — found by review). The monotonic clock starts again at each boot and the
 * file stays: a time from another boot (or one ahead of the clock) is ignored — one left by a guard
 * that reaped at 10 days' uptime kept auto-reap off after a reboot until the new uptime passed it
 * (found by review).
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { tryLockExclusive } from '../../native/flock';
import { runsInstalled } from '../installed';

/** The system's monotonic clock in ms (CLOCK_MONOTONIC: the same in every process, moved by no wall-clock step). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** Where the per-user lock lives for `uid` (see the file comment). */
export function guardLockPathFor(uid: number): string {
  let home: string | null = null;
  try {
    // os.userInfo() reads the password database for the uid (getpwuid_r); it never looks at $HOME.
    home = userInfo().homedir || null;
  } catch {
    // No passwd entry for this uid (a container, a test's throwaway uid).
  }
  return home ? join(home, '.local', 'state', 'headroom', 'guard.lock') : join('/tmp', `headroom-guard-${uid}`, 'guard.lock');
}

/** The lock file for this user (see the file comment): HEADROOM_GUARD_LOCK if set (not when installed), else guardLockPathFor(the process's uid). */
export function defaultGuardLockPath(env: NodeJS.ProcessEnv = process.env, moduleDir = __dirname): string {
  if (env.HEADROOM_GUARD_LOCK && env.HEADROOM_GUARD_LOCK.startsWith('/') && !runsInstalled(moduleDir)) return env.HEADROOM_GUARD_LOCK;
  return guardLockPathFor(process.getuid?.() ?? 0);
}

/** The per-user guard lock, taken without waiting. */
export class GuardLock {
  private fd: number | null = null;
  /** Why the lock is not held (null while held or never tried). */
  note: string | null = null;
  /** True when the last acquire() was refused because another guard holds the lock. */
  busy = false;
  /** The previous holder's last auto-reap (monotonic ms), read when this guard took the lock; null if none. */
  previousReapAt: number | null = null;

  constructor(readonly path: string = defaultGuardLockPath()) {}

  /** True while this guard holds the lock, and the file at the path is still the one it locked (else it lets go). */
  get held(): boolean {
    if (this.fd === null) return false;
    try {
      const locked = fstatSync(this.fd);
      const atPath = lstatSync(this.path);
      if (locked.ino === atPath.ino && locked.dev === atPath.dev) return true;
    } catch {
      // Removed: let go below.
    }
    this.release();
    this.note = `The guard lock file ${this.path} was removed or replaced while this guard held it; it takes the lock again.`;
    return false;
  }

  /** Take the lock if free; true when held afterwards. Never throws: a failure is kept in `note`. */
  acquire(): boolean {
    if (this.fd !== null) return true;
    let fd: number;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      // The /tmp fallback is shared ground: only a directory of our own, writable by us alone.
      // lstat: a link planted there by another user is not our directory either.
      const dir = lstatSync(dirname(this.path));
      const uid = process.getuid?.() ?? 0;
      if (dirname(this.path).startsWith('/tmp/headroom-guard-') && (dir.uid !== uid || !dir.isDirectory() || (dir.mode & 0o022) !== 0)) throw Object.assign(new Error('not our own directory'), { code: 'EPERM' });
      // Never through a symlink: the file is truncated once locked. Never waiting on a FIFO or a
      // device either (O_NONBLOCK), and only a regular file is used.
      fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
    } catch (err) {
      this.note = `Auto-reap is off for this guard: its lock file ${this.path} cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)}).`;
      this.busy = false;
      return false;
    }
    let regular = false;
    try {
      regular = fstatSync(fd).isFile();
    } catch {
      // Treated as not a regular file below.
    }
    if (!regular) {
      closeSync(fd);
      this.note = `Auto-reap is off for this guard: its lock file ${this.path} is not a regular file (remove it, and Headroom makes a new one).`;
      this.busy = false;
      return false;
    }
    const refused = tryLockExclusive(fd);
    if (refused !== null) {
      const { pid } = lockFileOf(fd);
      const holder = pid === null ? '' : ` (PID ${pid})`;
      closeSync(fd);
      this.note = `Another Headroom guard${holder} holds ${this.path} and does the reaping; this one only warns.`;
      this.busy = true;
      return false;
    }
    this.previousReapAt = lockFileOf(fd).reapAt;
    this.fd = fd;
    this.write(this.previousReapAt);
    this.note = null;
    this.busy = false;
    return true;
  }

  /** Note an auto-reap at `time` (monotonic ms) in the lock file, for a guard that takes the lock over. */
  recordReap(time: number): void {
    if (this.fd !== null) this.write(time);
  }

  private write(reapAt: number | null): void {
    try {
      ftruncateSync(this.fd!, 0);
      writeSync(this.fd!, `${process.pid}${reapAt === null ? '' : ` ${reapAt} ${bootId()}`}\n`, 0);
    } catch {
      // A courtesy for the other guards (their note, the cooldown): a failed write harms nothing else.
    }
  }

  /** Let another guard act. */
  release(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

let boot: string | null = null;

/** This boot's id (the kernel's random boot_id), or '-' where it cannot be read. */
function bootId(): string {
  if (boot === null) {
    try {
      boot = /^[0-9a-f-]{36}$/.exec(readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim())?.[0] ?? '-';
    } catch {
      boot = '-';
    }
  }
  return boot;
}

/**
 * The holder's PID and last auto-reap time from the lock file, read through our own fd (128 bytes at
 * most). The time counts only when it was taken in this boot and is not ahead of the monotonic clock.
 */
function lockFileOf(fd: number): { pid: number | null; reapAt: number | null } {
  try {
    const buf = Buffer.alloc(128);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [pidText, reapText, bootText] = buf.toString('latin1', 0, n).trim().split(' ');
    const pid = Number(pidText);
    const reapAt = reapText === undefined ? Number.NaN : Number(reapText);
    const now = monotonicMs();
    const thisBoot = bootText === bootId() && bootText !== '-';
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : null, reapAt: thisBoot && Number.isFinite(reapAt) && reapAt >= 0 && reapAt <= now ? reapAt : null };
  } catch {
    return { pid: null, reapAt: null };
  }
}
