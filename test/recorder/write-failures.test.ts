/**
 * The recorder when the disk says no, on real small disks (a tmpfs mounted under /tmp, removed after
 * each test): a stale lock on a read-only disk is reported as the read-only disk it is; a full disk
 * retried for a long time leaves no pile of empty files; and once writing works again, the history
 * shows the stretch that could not be written from the ticks still in memory.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { historyPointOf, type HistoryPoint } from '../../contract/history';
import { RecordedEventSchema } from '../../contract/record';
import type { Snapshot } from '../../contract/snapshot';
import { acquireLock, LOCK_NAME, processStartTime } from '../../main/recorder/lock';
import { createRecorder } from '../../main/recorder/recorder';
import { ensureStateDir } from '../../main/recorder/safe-fs';
import { readSamples } from '../../main/recorder/store-reader';
import { StoreWriter } from '../../main/recorder/store-writer';
import { realSnapshots, smallDisk, stamped, type SmallDisk } from './support';

let base: Snapshot;
const disks: SmallDisk[] = [];

beforeAll(async () => {
  base = (await realSnapshots())[1];
});

afterEach(() => {
  for (const d of disks.splice(0)) d.remove();
});

function disk(size: string): SmallDisk {
  const d = smallDisk(size);
  disks.push(d);
  return d;
}

function writeLock(dir: string, content: string): void {
  const fd = openSync(join(dir, LOCK_NAME), 'wx', 0o600);
  writeSync(fd, content);
  closeSync(fd);
}

describe('a stale lock on a read-only disk', () => {
  for (const [what, content] of [
    ['of a process that is gone', `${process.pid} 1\n`],
    ['that is garbage', 'not a lock'],
  ] as const) {
    it(`(${what}) is reported as the read-only disk, not as another Headroom recording`, () => {
      const d = disk('1m');
      const dir = join(d.path, 'headroom');
      ensureStateDir(dir);
      writeLock(dir, content);
      d.readOnly();

      const logged: string[] = [];
      const rec = createRecorder({ dir, log: (l) => logged.push(l), kmsgPath: '/nonexistent' });
      rec.start();
      try {
        expect(rec.status().state).toBe('failing');
        expect(rec.status().message).toMatch(/is on a read-only file system \(EROFS\)\. Sampling goes on/);
        expect(rec.status().message).not.toMatch(/Another Headroom/);
        expect(logged.filter((l) => /History/.test(l))).toEqual([rec.status().message]);
      } finally {
        rec.close();
      }
      const me = { pid: process.pid, startTime: processStartTime(process.pid)!, nonce: 'abc' };
      expect(() => acquireLock(dir, me)).toThrow(expect.objectContaining({ code: 'EROFS' }));
      expect(readFileSync(join(dir, LOCK_NAME), 'utf8')).toBe(content);
    });
  }
});

describe('a full disk', () => {
  it('retried every tick for a long time leaves no empty segment files, and recording resumes when space is back', () => {
    const d = disk('256k');
    const dir = join(d.path, 'headroom');
    const rec = createRecorder({ dir, retryMs: 0, log: () => {}, kmsgPath: '/nonexistent' });
    rec.start();
    let t = Date.now() - 3600_000;
    let seq = 0;
    const tick = (n: number): void => {
      for (let i = 0; i < n; i++, t += 1000) rec.tick(stamped(base, t, seq++));
    };
    try {
      tick(10);
      expect(rec.status().state).toBe('recording');
      const filler = d.fill();
      tick(500); // every tick retries: a new pair is tried each time
      expect(rec.status().state).toBe('failing');
      const segmentFiles = (): string[] => readdirSync(dir).filter((n) => n.startsWith('seg-'));
      expect(segmentFiles().filter((n) => statSync(join(dir, n)).size === 0)).toEqual([]);
      expect(segmentFiles().length).toBeLessThanOrEqual(4);

      // An event stamped before any open pair goes to a file of its own: on a full disk that file is removed again too.
      const writer = new StoreWriter(dir, 1 << 20);
      const before = segmentFiles();
      expect(() => writer.writeEvent(RecordedEventSchema.parse({ time: t - 60_000, kind: 'warning', label: 'w', freedBytes: 0, mreleaseMs: null, availableBeforeBytes: 0, recoveredMs: null }))).toThrow(
        expect.objectContaining({ code: 'ENOSPC' }),
      );
      writer.close();
      expect(segmentFiles()).toEqual(before);

      rmSync(filler);
      const resumedAt = t;
      tick(5);
      expect(rec.status().state).toBe('recording');
      expect(readSamples(dir, { from: resumedAt, to: t }).items.map((s) => s.t)).toEqual([0, 1, 2, 3, 4].map((i) => resumedAt + i * 1000));
    } finally {
      rec.close();
    }
  });

  it('once recording resumes, the history fills the stretch that could not be written from the points in memory', () => {
    const d = disk('512k');
    const dir = join(d.path, 'headroom');
    const rec = createRecorder({ dir, retryMs: 0, log: () => {}, kmsgPath: '/nonexistent' });
    rec.start();
    const memory: HistoryPoint[] = [];
    let t = Date.now() - 600_000;
    let seq = 0;
    const tick = (n: number): void => {
      for (let i = 0; i < n; i++, t += 1000) {
        const snapshot = stamped(base, t, seq++);
        rec.tick(snapshot);
        memory.push(historyPointOf(snapshot));
      }
    };
    try {
      const t0 = t;
      tick(100);
      const filler = d.fill();
      tick(100);
      expect(rec.status().state).toBe('failing');
      rmSync(filler);
      tick(100);
      expect(rec.status().state).toBe('recording');
      // The store has the first and last hundred; memory has all three hundred.
      expect(readSamples(dir, { from: t0, to: t }).items.length).toBeLessThan(210);

      const history = rec.history({ fromTime: t0, toTime: t, maxPoints: 2000 }, { intervalMs: 1000, points: memory, markers: [] });
      expect(history.points.map((p) => p.t)).toEqual(memory.map((p) => p.t));
      // Downsampled, the failed stretch is still drawn.
      const coarse = rec.history({ fromTime: t0, toTime: t, maxPoints: 30 }, { intervalMs: 1000, points: memory, markers: [] });
      expect(coarse.points.filter((p) => p.t >= t0 + 110_000 && p.t < t0 + 190_000).length).toBeGreaterThanOrEqual(7);
    } finally {
      rec.close();
    }
  });
});
