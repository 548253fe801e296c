/**
 * vitest globalSetup: the whole test run records into a throwaway XDG_STATE_HOME, never the
 * person's ~/.local/state/headroom. Every service a test builds creates the real flight recorder
 * (and the guard its lock there when XDG_RUNTIME_DIR is unset), and every `headroom serve` a test
 * spawns inherits this environment. Removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Point XDG_STATE_HOME at a new temporary folder for this run; returns the teardown. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-test-state-'));
  const before = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = dir;
  return () => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
