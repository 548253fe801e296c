/**
 * The per-user guard lock has one path per uid, whatever the environment says: a window with
 * XDG_RUNTIME_DIR and a `headroom guard --act` from su or cron without it (or with another HOME)
 * must contend for the same file, so only one of them acts.
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultGuardLockPath, GuardLock } from '../../main/guard';
import { guardLockPathFor } from '../../main/guard/lock';

const uid = process.getuid?.() ?? 0;
let dir = '';

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('the guard lock path', () => {
  it('does not depend on XDG_RUNTIME_DIR or HOME; HEADROOM_GUARD_LOCK still overrides it', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    mkdirSync(join(dir, 'run'));
    const window = defaultGuardLockPath({ XDG_RUNTIME_DIR: join(dir, 'run'), HOME: join(dir, 'home') });
    const cron = defaultGuardLockPath({ HOME: join(dir, 'elsewhere') });
    const bare = defaultGuardLockPath({});
    expect(window).toBe(cron);
    expect(window).toBe(bare);
    expect(window).toBe(guardLockPathFor(uid));
    expect(window.startsWith(dir)).toBe(false);
    expect(defaultGuardLockPath({ HEADROOM_GUARD_LOCK: join(dir, 'test.lock'), XDG_RUNTIME_DIR: join(dir, 'run') })).toBe(join(dir, 'test.lock'));
  });

  it('uses /run/user/<uid> only when that directory belongs to the uid, else the home from the password database', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    const fromPasswd = join(userInfo().homedir, '.local', 'state', 'headroom', 'guard.lock');
    // No runtime directory at all (cron, su without a session).
    expect(guardLockPathFor(uid, join(dir, 'none'))).toBe(fromPasswd);
    mkdirSync(join(dir, String(uid)));
    expect(guardLockPathFor(uid, dir)).toBe(join(dir, String(uid), 'headroom-guard.lock'));
    if (uid === 0) {
      // Someone else's directory under that name is never used.
      chownSync(join(dir, String(uid)), 12_345, 12_345);
      expect(guardLockPathFor(uid, dir)).toBe(fromPasswd);
    }
  });

  it('two guards started with different environments: only one holds the lock', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    mkdirSync(join(dir, String(uid)));
    // Both resolve the path the way defaultGuardLockPath does, here under a test runtime root.
    const window = new GuardLock(guardLockPathFor(uid, dir));
    const headless = new GuardLock(guardLockPathFor(uid, dir));
    try {
      expect(window.acquire()).toBe(true);
      expect(headless.acquire()).toBe(false);
      expect(headless.busy).toBe(true);
      expect(headless.note).toMatch(/^Another Headroom guard \(PID \d+\) holds .* and does the reaping; this one only warns\.$/);
    } finally {
      window.release();
      headless.release();
    }
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
    dir = mkdtempSync(join(tmpdir(), 'headroom-lock-path-'));
    const path = join(dir, 'guard.lock');
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    const first = new GuardLock(path);
    const second = new GuardLock(path);
    try {
      // Checked for the first before the second runs: without the check the first takes the lock on
      // the FIFO, and the second's read of the holder's PID blocks this thread for good.
      expect(first.acquire()).toBe(false);
      expect(first.note).toBe(`Auto-reap is off for this guard: its lock file ${path} is not a regular file (remove it, and Headroom makes a new one).`);
      expect(second.acquire()).toBe(false);
      expect(second.busy).toBe(false);
    } finally {
      first.release();
      second.release();
    }
  });
});
