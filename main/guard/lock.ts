/**
 * One guard acts per user: whoever holds an flock on the guard lock file may reap; every other guard
 * (the window's, `headroom guard --act`, the systemd user service) only warns and says what it would
 * do, with acting:false and a note naming the holder. The kernel drops the lock when the holder's fd
 * closes or it dies, so a crashed guard never blocks the next one; the others retry now and then.
 *
 * Where: `$XDG_RUNTIME_DIR/headroom-guard.lock` (per user, on tmpfs, gone at logout) when that
 * directory exists, else `~/.local/state/headroom/guard.lock`. `HEADROOM_GUARD_LOCK` overrides the
 * path (tests, which must not contend with a real guard). The holder writes its PID into the file.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { tryLockExclusive } from '../../native/flock';

/** The lock file for this user (see the file comment). */
export function defaultGuardLockPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEADROOM_GUARD_LOCK) return env.HEADROOM_GUARD_LOCK;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && existsSync(runtime)) return join(runtime, 'headroom-guard.lock');
  return join(env.HOME || homedir(), '.local', 'state', 'headroom', 'guard.lock');
}

/** The per-user guard lock, taken without waiting. */
export class GuardLock {
  private fd: number | null = null;
  /** Why the lock is not held (null while held or never tried). */
  note: string | null = null;

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
      fd = openSync(this.path, 'a+', 0o600);
    } catch (err) {
      this.note = `Auto-reap is off for this guard: its lock file ${this.path} cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)}).`;
      return false;
    }
    const refused = tryLockExclusive(fd);
    if (refused !== null) {
      closeSync(fd);
      this.note = `Another Headroom guard${this.holder()} holds ${this.path} and does the reaping; this one only warns.`;
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
    return true;
  }

  /** Let another guard act. */
  release(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private holder(): string {
    try {
      const pid = Number(readFileSync(this.path, 'latin1').trim());
      return Number.isInteger(pid) && pid > 0 ? ` (PID ${pid})` : '';
    } catch {
      return '';
    }
  }
}
