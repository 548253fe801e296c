/**
 * A full disk and a read-only one, for real: the store lives on a small tmpfs mounted here (unmounted
 * in finally). The real service with the real sampler loop keeps sampling, its status says the
 * recorder is failing and why, once; when space comes back, recording resumes by itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatusSchema } from '../../contract/status';
import { createRecorder } from '../../main/recorder/recorder';
import { readSamples } from '../../main/recorder/store-reader';
import { createHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('recorder on a full or read-only disk', () => {
  it('keeps sampling, says so in the status once, and resumes when writing works again', async () => {
    const mnt = mkdtempSync(join(tmpdir(), `headroom-tmpfs-${process.pid}-`));
    sh('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt]);
    const logged: string[] = [];
    const dir = join(mnt, 'headroom');
    const service = createHeadroomService({
      shell: 'browser',
      settings: createMemorySettingsStore(),
      recorder: createRecorder({ dir, retryMs: 500, maxMiB: 64, log: (l) => logged.push(l) }),
    });
    const statuses: string[] = [];
    let ticks = 0;
    service.on('status', (s) => statuses.push(s.recorder?.state ?? 'null'));
    service.on('snapshot', () => ticks++);
    try {
      await service.handlers.setSettings({ intervalMs: 250 });
      service.start();
      await until('recording', () => service.status().recorder?.state === 'recording' && readdirSync(dir).some((n) => n.endsWith('.sys')));

      // Fill the disk: the next appends fail with ENOSPC (or a short write).
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(1));
      const fill = spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=4k', 'count=1000'], { encoding: 'utf8' });
      expect(fill.stderr).toMatch(/No space left/);
      await until('failing', () => service.status().recorder?.state === 'failing', 60_000);
      const failing = StatusSchema.parse(service.status());
      expect(failing.recorder!.message).toMatch(/the disk holding .* is full \(ENOSPC\)\. Sampling goes on/);
      const ticksAtFailure = ticks;
      await new Promise((r) => setTimeout(r, 2000));
      expect(ticks - ticksAtFailure).toBeGreaterThanOrEqual(4);
      expect(logged.filter((l) => /ENOSPC/.test(l))).toHaveLength(1);
      expect(statuses.filter((s, i) => s === 'failing' && statuses[i - 1] !== 'failing')).toHaveLength(1);

      // Space again: recording resumes in a fresh segment.
      rmSync(join(mnt, 'filler'));
      await until('recording again', () => service.status().recorder?.state === 'recording', 10_000);
      const resumedAt = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      expect(readSamples(dir, { from: resumedAt, to: Date.now() }).items.length).toBeGreaterThanOrEqual(2);

      // Read-only: a new writer on the same folder, remounted read-only once the first has closed its files.
      await service.close();
      sh('mount', ['-o', 'remount,ro', mnt]);
      const readOnly = createHeadroomService({
        shell: 'browser',
        settings: createMemorySettingsStore(),
        recorder: createRecorder({ dir, retryMs: 500, log: (l) => logged.push(l) }),
      });
      let roTicks = 0;
      readOnly.on('snapshot', () => roTicks++);
      try {
        await readOnly.handlers.setSettings({ intervalMs: 250 });
        readOnly.start();
        await until('failing (read-only)', () => readOnly.status().recorder?.state === 'failing', 10_000);
        expect(readOnly.status().recorder!.message).toMatch(/read-only file system \(EROFS\)\. Sampling goes on/);
        await until('ticks while read-only', () => roTicks >= 4, 10_000);
        expect(logged.filter((l) => /EROFS/.test(l))).toHaveLength(1);
        // What was recorded before stays readable, through the service's range query too.
        expect(readSamples(dir, { from: 0, to: Date.now() }).items.length).toBeGreaterThan(4);
        const range = await readOnly.handlers.getHistory({ sinceMs: 600_000 });
        expect(range.points.length).toBeGreaterThan(4);
      } finally {
        await readOnly.close();
      }
    } finally {
      await service.close();
      spawnSync('umount', [mnt]);
      try {
        rmdirSync(mnt);
      } catch {
        mkdirSync(mnt, { recursive: true });
      }
    }
  }, 120_000);
});
