/**
 * Pausing the window's sampling stops its guard watching, so it must let the per-user lock go: a
 * headless `headroom guard --act` then takes over instead of deferring to a guard that sees nothing.
 * The real service with its real sampler loop and reaper; auto-reap on, the lock at a test path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardLock } from '../../main/guard';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';

let service: HostedHeadroomService | null = null;
let dir = '';

const runLock = process.env.HEADROOM_GUARD_LOCK;

afterEach(async () => {
  await service?.close();
  service = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
  // Back to the run's throwaway lock (test/support/state-home.ts), never to the real per-user one.
  if (runLock === undefined) delete process.env.HEADROOM_GUARD_LOCK;
  else process.env.HEADROOM_GUARD_LOCK = runLock;
});

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pausing the window\'s guard', () => {
  it('releases the per-user lock while paused, says so, and takes it again on resume', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-service-pause-'));
    const lockPath = join(dir, 'guard.lock');
    process.env.HEADROOM_GUARD_LOCK = lockPath;
    const store = createMemorySettingsStore({ settings: { ...createMemorySettingsStore().get().settings, autoReap: true, intervalMs: 250 } });
    service = createHeadroomService({ shell: 'browser', settings: store });
    const s = service;
    s.start();
    await until('the guard taking the lock', async () => (await s.handlers.getGuard({})).acting, 10_000);

    await s.handlers.setPaused({ paused: true });
    const paused = await s.handlers.getGuard({});
    expect(paused.acting).toBe(false);
    expect(paused.actingNote).toMatch(/^Sampling is paused, so this guard is not watching: it let the per-user lock go/);
    const headless = new GuardLock(lockPath);
    try {
      expect(headless.acquire()).toBe(true);
      // A paused guard stays out of the way while the headless one holds it.
      await new Promise((r) => setTimeout(r, 600));
      expect((await s.handlers.getGuard({})).acting).toBe(false);
    } finally {
      headless.release();
    }

    await s.handlers.setPaused({ paused: false });
    await until('the guard taking the lock again', async () => (await s.handlers.getGuard({})).acting, 10_000);
    expect((await s.handlers.getGuard({})).actingNote).toBeNull();
  }, 30_000);
});
