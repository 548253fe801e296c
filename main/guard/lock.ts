/**
 * One guard acts per user: whoever holds an flock on the guard lock file may reap; every other guard
 * (the window's, `headroom guard --act`, the systemd user service) only warns and says what it would
 * do, with acting:false and a note naming the holder. The kernel drops the lock when the holder's fd
 * closes or it dies, so a crashed guard never blocks the next one; the others retry now and then.
 *
 * Where: one path per uid that no environment variable changes, so a window (XDG_RUNTIME_DIR set)
 * and a `headroom guard --act` from su or cron (unset, or another HOME) always contend for the same
 * file: `/run/user/<uid>/headroom-guard.lock` (per user, on tmpfs, gone at logout) when that
 * directory exists and belongs to the uid, else `<home>/.local/state/headroom/guard.lock` with the
 * home directory from the password database for the uid (not $HOME), else (a uid without a passwd
 * entry) `/tmp/headroom-guard-<uid>/guard.lock`. `HEADROOM_GUARD_LOCK` overrides the path (tests,
 * which must not contend with a real guard). The holder writes its PID into the file.
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { tryLockExclusive } from '../../native/flock';

/** Where the per-user lock lives for `uid` (see the file comment); `runtimeRoot` is /run/user except in tests. */
export function guardLockPathFor(uid: number, runtimeRoot = '/run/user'): string {
  const runtime = join(runtimeRoot, String(uid));
  try {
    const st = statSync(runtime);
    if (st.isDirectory() && st.uid === uid) return join(runtime, 'headroom-guard.lock');
  } catch {
    // No runtime directory (no login session, e.g. cron): the state directory below.
  }
  let home: string | null = null;
  try {
    // os.userInfo() reads the password database for the uid (getpwuid_r); it never looks at $HOME.
    home = userInfo().homedir || null;
  } catch {
    // No passwd entry for this uid (a container, a test's throwaway uid).
  }
  return home ? join(home, '.local', 'state', 'headroom', 'guard.lock') : join('/tmp', `headroom-guard-${uid}`, 'guard.lock');
}

/** The lock file for this user (see the file comment): HEADROOM_GUARD_LOCK if set, else guardLockPathFor(the process's uid). */
export function defaultGuardLockPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEADROOM_GUARD_LOCK) return env.HEADROOM_GUARD_LOCK;
  return guardLockPathFor(process.getuid?.() ?? 0);
}

/** The per-user guard lock, taken without waiting. */
export class GuardLock {
  private fd: number | null = null;
  /** Why the lock is not held (null while held or never tried). */
  note: string | null = null;
  /** True when the last acquire() was refused because another guard holds the lock. */
  busy = false;

  constructor(readonly path: string = defaultGuardLockPath()) {}

  /** True while this guard holds the lock. */
  get held(): boolean {
    return this.fd !== null;
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
      const holder = holderOf(fd);
      closeSync(fd);
      this.note = `Another Headroom guard${holder} holds ${this.path} and does the reaping; this one only warns.`;
      this.busy = true;
      return false;
    }
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`);
    } catch {
      // The PID is only a courtesy for the other guards' note.
    }
    this.fd = fd;
    this.note = null;
    this.busy = false;
    return true;
  }

  /** Let another guard act. */
  release(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** " (PID n)" from the holder's line in the lock file, read through our own fd (32 bytes at most), or "". */
function holderOf(fd: number): string {
  try {
    const buf = Buffer.alloc(32);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const pid = Number(buf.toString('latin1', 0, n).trim());
    return Number.isInteger(pid) && pid > 0 ? ` (PID ${pid})` : '';
  } catch {
    return '';
  }
}
