/**
 * The per-user guard lock has one path per uid, whatever the environment says: a window with
 * XDG_RUNTIME_DIR and a `headroom guard --act` from su or cron without it (or with another HOME)
 * must contend for the same file, so only one of them acts.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultGuardLockPath, GuardLock } from '../../main/guard';
import { guardLockPathFor, monotonicMs } from '../../main/guard/lock';

/** This boot's id, as the lock file records it. */
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();

const uid = process.getuid?.() ?? 0;
let dir = '';

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Two guards' locks on one fresh path (released afterwards, whatever happens in `body`). */
function withTwoLocks(body: (first: GuardLock, second: GuardLock, path: string) => void): void {
  dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
  const path = join(dir, 'guard.lock');
  const first = new GuardLock(path);
  const second = new GuardLock(path);
  try {
    body(first, second, path);
  } finally {
    first.release();
    second.release();
  }
}

describe('the guard lock path', () => {
  it('is the home from the password database, whatever the session or the environment: a guard started before login and the window after it contend for one file', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    mkdirSync(join(dir, 'run'));
    const window = defaultGuardLockPath({ XDG_RUNTIME_DIR: join(dir, 'run'), HOME: join(dir, 'home') });
    const cron = defaultGuardLockPath({ HOME: join(dir, 'elsewhere') });
    const bare = defaultGuardLockPath({});
    expect(window).toBe(cron);
    expect(window).toBe(bare);
    expect(window).toBe(guardLockPathFor(uid));
    expect(window).toBe(join(userInfo().homedir, '.local', 'state', 'headroom', 'guard.lock'));
    // The tests' override: an absolute path, and never in an installed app.
    expect(defaultGuardLockPath({ HEADROOM_GUARD_LOCK: join(dir, 'test.lock') })).toBe(join(dir, 'test.lock'));
    expect(defaultGuardLockPath({ HEADROOM_GUARD_LOCK: 'test.lock' })).toBe(window);
    expect(defaultGuardLockPath({ HEADROOM_GUARD_LOCK: join(dir, 'test.lock') }, '/opt/Headroom/resources/app.asar/dist/main/guard')).toBe(window);
    expect(defaultGuardLockPath({ HEADROOM_GUARD_LOCK: join(dir, 'test.lock') }, '/opt/Headroom/resources/app.asar.unpacked/dist/main/guard')).toBe(window);
  });

  it('two guards: only one holds the lock; the other names the holder', () => {
    withTwoLocks((window, headless) => {
      expect(window.acquire()).toBe(true);
      expect(headless.acquire()).toBe(false);
      expect(headless.busy).toBe(true);
      expect(headless.note).toMatch(/^Another Headroom guard \(PID \d+\) holds .* and does the reaping; this one only warns\.$/);
    });
  });

  it('a holder whose lock file was removed (or replaced) lets go, so two guards never both hold one', () => {
    withTwoLocks((first, second, path) => {
      expect(first.acquire()).toBe(true);
      rmSync(path);
      // The second locks a new file at the path; the first sees its file is no longer there and lets go.
      expect(second.acquire()).toBe(true);
      expect(first.held).toBe(false);
      expect(first.note).toMatch(/was removed or replaced while this guard held it/);
      expect(second.held).toBe(true);
      expect(first.acquire()).toBe(false);
    });
  });

  it('carries the last auto-reap time to the guard that takes the lock over', () => {
    withTwoLocks((first, second, path) => {
      expect(first.acquire()).toBe(true);
      expect(first.previousReapAt).toBeNull();
      const reapAt = monotonicMs() - 5_000;
      first.recordReap(reapAt);
      expect(readFileSync(path, 'utf8')).toBe(`${process.pid} ${reapAt} ${BOOT}\n`);
      first.release();
      expect(second.acquire()).toBe(true);
      expect(second.previousReapAt).toBe(reapAt);
      // Kept in the file for the next holder after this one.
      expect(readFileSync(path, 'utf8')).toBe(`${process.pid} ${reapAt} ${BOOT}\n`);
    });
  });

  it('ignores an auto-reap time from another boot, or ahead of the monotonic clock (the file outlives a reboot)', () => {
    withTwoLocks((first, _second, path) => {
      const now = monotonicMs();
      const otherBoot = BOOT.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      // A guard that auto-reaped at 10 days' uptime in the boot before; one from before boot ids were written.
      for (const text of [`4242 864000000 ${otherBoot}\n`, `4242 ${now - 5_000} ${otherBoot}\n`, `4242 ${now - 5_000}\n`, `4242 ${now + 60_000} ${BOOT}\n`]) {
        writeFileSync(path, text);
        expect(first.acquire()).toBe(true);
        expect(first.previousReapAt).toBeNull();
        // Not written back: the next holder finds none either.
        expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
        first.release();
      }
    });
  });

  it('never opens the lock through a symlink (the file is truncated once locked)', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    writeFileSync(join(dir, 'precious'), 'keep me\n');
    symlinkSync(join(dir, 'precious'), join(dir, 'guard.lock'));
    const lock = new GuardLock(join(dir, 'guard.lock'));
    expect(lock.acquire()).toBe(false);
    expect(lock.note).toMatch(/cannot be opened \(ELOOP\)/);
    expect(readFileSync(join(dir, 'precious'), 'utf8')).toBe('keep me\n');
  });

  it('refuses a FIFO in its place at once, for every guard (a second one used to wait on it for ever)', () => {
    withTwoLocks((first, second, path) => {
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      // Checked for the first before the second runs: without the check the first takes the lock on
      // the FIFO, and the second's read of the holder's PID blocks this thread for good.
      expect(first.acquire()).toBe(false);
      expect(first.note).toBe(`Auto-reap is off for this guard: its lock file ${path} is not a regular file (remove it, and Headroom makes a new one).`);
      expect(second.acquire()).toBe(false);
      expect(second.busy).toBe(false);
    });
  });
});
