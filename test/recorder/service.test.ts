/**
 * The recorder as the service hosts it: a reap by hand (a real hog, reaped for real) becomes a marker
 * that is recorded, so a later process reading the store — and `getHistory` with a range — shows it;
 * the status carries the recorder and the killers, valid against the contract.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusSchema } from '../../contract/status';
import { createRecorder } from '../../main/recorder/recorder';
import { processStartTime } from '../../main/recorder/lock';
import { readSamples } from '../../main/recorder/store-reader';
import { createHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { startHog, stopAllHogs } from '../support/hogs';

afterEach(async () => {
  await stopAllHogs();
});

describe('recorder in the service', () => {
  it('records a reap by hand, answers ranged getHistory from the store, and fills status.recorder', async () => {
    const home = mkdtempSync(join(tmpdir(), 'headroom-svc-rec-'));
    const dir = join(home, 'headroom');
    const service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore(), recorder: createRecorder({ dir, log: () => {} }) });
    try {
      let ticks = 0;
      service.on('snapshot', () => ticks++);
      const ticked = async (n: number): Promise<void> => {
        const target = ticks + n;
        const deadline = Date.now() + 30_000;
        while (ticks < target) {
          if (Date.now() > deadline) throw new Error(`only ${ticks} ticks`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await service.handlers.setSettings({ intervalMs: 250 });
      service.start();
      const hog = startHog({ mib: 32, lifetimeSec: 60 });
      await hog.ready;
      await ticked(4);
      const response = await service.handlers.reap({ targets: [{ pid: hog.pid, startTime: processStartTime(hog.pid)! }], mode: 'kill', force: false });
      expect(response.results[0]!.ok).toBe(true);
      await ticked(2);

      const status = StatusSchema.parse(service.status());
      expect(status.recorder).toMatchObject({ state: 'recording', path: dir, message: null });
      expect(Array.isArray(status.killers)).toBe(true);

      const stored = readSamples(dir, { from: 0, to: Date.now() });
      const reap = stored.events.find((e) => e.kind === 'reap');
      expect(reap, JSON.stringify(stored.events)).toBeDefined();
      expect(reap!.freedBytes).toBeGreaterThan(16 * 1024 * 1024);
      expect(stored.items.length).toBeGreaterThanOrEqual(4);

      const ranged = await service.handlers.getHistory({ sinceMs: 60_000, maxPoints: 10 });
      expect(ranged.points.length).toBeLessThanOrEqual(10);
      expect(ranged.points.length).toBeGreaterThanOrEqual(4);
      expect(ranged.markers.filter((m) => m.kind === 'reap')).toHaveLength(1);
      const memory = await service.handlers.getHistory({});
      expect(memory.points.length).toBeGreaterThanOrEqual(4);
    } finally {
      await service.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
