/**
 * Drill: the settings file on a failing disk, through the real service and the real file store, on a
 * real tmpfs of 64 KiB mounted for this file (unique name with our PID, unmounted in afterAll):
 * a config folder that turns read-only, a full disk, and a settings file replaced while running.
 * Each time Headroom keeps working (the change applies), says so once in the status warnings (one
 * sentence, not repeated per save), leaves the last good file intact, and recovers when the fault goes.
 * (The recorder's disk faults are the recorder engineer's drill.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createFileSettingsStore } from '../../main/settings/file-store';

const mountPoint = join(tmpdir(), `headroom-drill-disk-${process.pid}`);
let mounted = false;

function mount(...args: string[]): void {
  const res = spawnSync('mount', args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${res.stderr}`);
}

beforeAll(() => {
  mkdirSync(mountPoint, { recursive: true });
  mount('-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint);
  mounted = true;
});

afterAll(() => {
  if (mounted) {
    const res = spawnSync('umount', [mountPoint]);
    // Busy (should not be): detach lazily rather than leave it mounted.
    if (res.status !== 0) spawnSync('umount', ['-l', mountPoint]);
  }
  rmdirSync(mountPoint);
});

/** The settings warning as the status bar gets it: the status warnings that name the settings file. */
function settingsWarnings(service: HostedHeadroomService, file: string): string[] {
  return (service.handlers.getStatus({}) as { warnings: string[] }).warnings.filter((w) => w.includes(file));
}

/** Fill the tmpfs to the last byte with `filler`. */
function fillDisk(filler: string): void {
  let chunk = Buffer.alloc(4096, 1);
  for (;;) {
    try {
      writeFileSync(filler, chunk, { flag: 'a' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      if (chunk.length === 1) break;
      chunk = Buffer.alloc(Math.max(1, chunk.length >> 1), 1);
    }
  }
}

describe('settings on a failing disk (real tmpfs)', () => {
  it('a config folder that becomes read-only: the change applies, the status says so once, and it saves again after', async () => {
    const dir = join(mountPoint, 'ro', 'Headroom');
    const file = join(dir, 'settings.json');
    const service = createHeadroomService({ shell: 'browser', settings: createFileSettingsStore(file) });
    try {
      await service.handlers.setSettings({ intervalMs: 2000 });
      const good = readFileSync(file, 'utf8');
      mount('-o', 'remount,ro', mountPoint);
      try {
        for (const historyMinutes of [5, 6, 7]) {
          const state = await service.handlers.setSettings({ historyMinutes });
          expect(state.settings.historyMinutes).toBe(historyMinutes);
          expect(state.warning).toMatch(/^Settings were not saved to .*settings\.json: EROFS\. The change applies until Headroom quits\.$/);
        }
        // Said once: one warning, not one per failed save.
        const warnings = settingsWarnings(service, file);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]!.match(/EROFS/g)).toHaveLength(1);
        expect(readFileSync(file, 'utf8')).toBe(good);
        // A new start on the read-only folder reads the last good file.
        expect(createFileSettingsStore(file).get()).toMatchObject({ settings: { intervalMs: 2000 }, warning: null });
      } finally {
        mount('-o', 'remount,rw', mountPoint);
      }
      const back = await service.handlers.setSettings({ historyMinutes: 8 });
      expect(back.warning).toBeNull();
      expect(settingsWarnings(service, file)).toEqual([]);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ intervalMs: 2000, historyMinutes: 8 });
    } finally {
      await service.close();
    }
  });

  it('a full disk: the change applies, no temp file is left, the last good file is intact, then it recovers', async () => {
    const dir = join(mountPoint, 'full', 'Headroom');
    const file = join(dir, 'settings.json');
    const service = createHeadroomService({ shell: 'browser', settings: createFileSettingsStore(file) });
    const filler = join(mountPoint, 'filler');
    try {
      await service.handlers.setSettings({ intervalMs: 3000 });
      const good = readFileSync(file, 'utf8');
      fillDisk(filler);
      const state = await service.handlers.setSettings({ historyMinutes: 7 });
      expect(state.settings.historyMinutes).toBe(7);
      expect(state.warning).toMatch(/not saved to .*: ENOSPC\. The change applies until Headroom quits\./);
      expect(settingsWarnings(service, file)).toHaveLength(1);
      expect(readFileSync(file, 'utf8')).toBe(good);
      expect(readdirSync(dir)).toEqual(['settings.json']);
      rmSync(filler);
      const back = await service.handlers.setSettings({ historyMinutes: 9 });
      expect(back.warning).toBeNull();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ intervalMs: 3000, historyMinutes: 9 });
    } finally {
      if (existsSync(filler)) rmSync(filler);
      await service.close();
    }
  });

  it('a settings file replaced while running: the other version is kept, the status says so once', async () => {
    const dir = join(mountPoint, 'replaced', 'Headroom');
    const file = join(dir, 'settings.json');
    const service = createHeadroomService({ shell: 'browser', settings: createFileSettingsStore(file) });
    try {
      await service.handlers.setSettings({ intervalMs: 2000 });
      rmSync(file);
      writeFileSync(file, JSON.stringify({ intervalMs: 5000 }), { mode: 0o600 });
      const state = await service.handlers.setSettings({ historyMinutes: 4 });
      expect(state.warning).toMatch(/changed outside Headroom while it ran/);
      expect(settingsWarnings(service, file)).toHaveLength(1);
      const kept = readdirSync(dir).filter((n) => n.startsWith('settings.json.replaced-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0]!), 'utf8')).toBe(JSON.stringify({ intervalMs: 5000 }));
      expect((await service.handlers.setSettings({ historyMinutes: 5 })).warning).toBeNull();
      expect(settingsWarnings(service, file)).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('a settings file replaced while running, then a save on a full disk: the other version stays where it was, nothing is lost', async () => {
    const dir = join(mountPoint, 'replaced-full', 'Headroom');
    const file = join(dir, 'settings.json');
    const filler = join(mountPoint, 'filler');
    const service = createHeadroomService({ shell: 'browser', settings: createFileSettingsStore(file) });
    try {
      await service.handlers.setSettings({ intervalMs: 2000 });
      rmSync(file);
      const other = JSON.stringify({ intervalMs: 5000 });
      writeFileSync(file, other, { mode: 0o600 });
      fillDisk(filler);
      const state = await service.handlers.setSettings({ historyMinutes: 4 });
      expect(state.settings.historyMinutes).toBe(4);
      expect(state.warning).toMatch(/^Settings were not saved to .*settings\.json: ENOSPC; the version changed outside Headroom is still in settings\.json\. The change applies until Headroom quits\.$/);
      // Still there under its own name, and nothing else: a new start reads it.
      expect(readdirSync(dir)).toEqual(['settings.json']);
      expect(readFileSync(file, 'utf8')).toBe(other);
      rmSync(filler);
      expect((await service.handlers.setSettings({ historyMinutes: 5 })).warning).toMatch(/changed outside Headroom while it ran/);
      const kept = readdirSync(dir).filter((n) => n.startsWith('settings.json.replaced-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0]!), 'utf8')).toBe(other);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ intervalMs: 2000, historyMinutes: 5 });
    } finally {
      if (existsSync(filler)) rmSync(filler);
      await service.close();
    }
  });
});
