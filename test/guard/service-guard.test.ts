/**
 * The guard inside the window's service, on real per-app pressure: getGuard reports the trigger mode
 * and window; with a thrasher in `app-hrdrill-<pid>.scope` the 'guard' event names it, the sampler
 * switches to 250 ms, and the warning and would-reap reach the chart as markers. Auto-reap stays off
 * (the default), so nothing is killed — checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GuardState } from '../../contract/guard';
import type { ReapMarker } from '../../contract/history';
import type { Snapshot } from '../../contract/snapshot';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { until } from '../support/until';

let service: HostedHeadroomService | null = null;
let pressure: MemoryPressure | null = null;
let dir = '';

const runLock = process.env.HEADROOM_GUARD_LOCK;

afterEach(async () => {
  await service?.close();
  service = null;
  await pressure?.stop();
  pressure = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  // Back to the run's throwaway lock (test/support/state-home.ts), never to the real per-user one.
  if (runLock === undefined) delete process.env.HEADROOM_GUARD_LOCK;
  else process.env.HEADROOM_GUARD_LOCK = runLock;
});

describe('the guard in the service', () => {
  it('reports its mode, names the thrasher, samples fast and marks the warning and would-reap', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-service-guard-'));
    process.env.HEADROOM_GUARD_LOCK = join(dir, 'guard.lock');
    // The thrasher first, so its own stall is measured from the guard's first ticks: on this shared
    // machine other engineers' drills also raise system pressure, and an episode they start would be
    // blamed on whatever was growing then.
    pressure = startMemoryPressure({ workDir: dir, appScope: 'hrdrill', readers: 4, limitMiB: 100, fileMiB: 400, lifetimeSec: 120 });
    await pressure.ready;
    service = createHeadroomService({
      shell: 'browser',
      settings: createMemorySettingsStore({ settings: { ...createMemorySettingsStore().get().settings, guardWarnSomePct: 3, guardActFullPct: 1, guardSustainSeconds: 1 } }),
    });
    const states: GuardState[] = [];
    let markers: ReapMarker[] = [];
    let latest: Snapshot | null = null;
    service.on('guard', (s) => states.push(s));
    service.on('markers', (m) => (markers = m));
    service.on('snapshot', (s) => (latest = s));
    service.start();

    const mode = await until('trigger mode', () => states.find((s) => s.mode !== 'unavailable'), 20_000);
    expect(mode).toMatchObject({ mode: 'trigger', windowMs: 2000 });
    expect(mode.modeNote).toMatch(/^PSI triggers, 2 s window, waking at 30 ms stalled \(500 ms: EINVAL, 1 s: EINVAL refused/);
    expect(await service.handlers.getGuard({})).toMatchObject({ mode: 'trigger', windowMs: 2000, acting: false, actingNote: null });

    const would = await until('a would-reap naming hrdrill', () => states.find((s) => s.last?.event === 'would-reap'), 60_000);
    expect(would.last, JSON.stringify(would.ranking)).toMatchObject({ event: 'would-reap', culprit: { name: 'hrdrill', pids: [pressure!.child.pid] } });
    expect(would.phase).toBe('acting');
    await until('a 250 ms snapshot', () => ((latest as Snapshot | null)?.intervalMs === 250 ? true : undefined), 5000);
    expect(markers.filter((m) => m.label === 'hrdrill').map((m) => m.kind)).toEqual(['warning', 'would-reap']);
    // A new warn level re-arms the triggers at half of it (40 % → 400 ms per 2 s window).
    await service.handlers.setSettings({ guardWarnSomePct: 40 });
    await until('re-armed triggers', () => states.find((s) => /waking at 400 ms stalled/.test(s.modeNote)), 10_000);
    expect(markers.find((m) => m.kind === 'would-reap')?.detail).toMatch(/^Would reap hrdrill \(auto-reap is off here\): hrdrill: [\d.]+ % of its time stalled on memory/);
    expect(pressure.child.exitCode).toBeNull();
    expect(pressure.child.signalCode).toBeNull();
  }, 120_000);
});
