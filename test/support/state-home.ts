/**
 * vitest globalSetup: the whole test run records into a throwaway XDG_STATE_HOME, never the
 * person's ~/.local/state/headroom, and its guards share a throwaway lock (HEADROOM_GUARD_LOCK: the
 * guard's own path is fixed per uid, /run/user/<uid> or the home from the password database, and
 * must not be a real guard's). Every service a test builds creates the real flight recorder and
 * guard, and every `headroom serve` a test spawns inherits this environment. Removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Point XDG_STATE_HOME at a new temporary folder for this run; returns the teardown. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-test-state-'));
  const before = process.env.XDG_STATE_HOME;
  const lockBefore = process.env.HEADROOM_GUARD_LOCK;
  process.env.XDG_STATE_HOME = dir;
  process.env.HEADROOM_GUARD_LOCK = join(dir, 'guard.lock');
  return () => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
    if (lockBefore === undefined) delete process.env.HEADROOM_GUARD_LOCK;
    else process.env.HEADROOM_GUARD_LOCK = lockBefore;
    rmSync(dir, { recursive: true, force: true });
  };
}
