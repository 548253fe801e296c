/**
 * Events stamped earlier than the segment they arrive in: a reap's recovery is saved up to 30 s after
 * the reap (headroom-service.ts), and a kernel OOM kill may be named a few ticks late — both can land
 * after an hourly rotation. Every tick and every event must stay findable by any range read around it,
 * through the real recorder writing real snapshots, hours of them in a second.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecordedEventSchema, type RecordedEvent } from '../../contract/record';
import type { Snapshot } from '../../contract/snapshot';
import { createRecorder, type Recorder } from '../../main/recorder/recorder';
import { ensureStateDir } from '../../main/recorder/safe-fs';
import { listSegments } from '../../main/recorder/segments';
import { readPoints, readSamples } from '../../main/recorder/store-reader';
import { StoreWriter } from '../../main/recorder/store-writer';
import { realSnapshots, stamped, tempStore } from './support';

let base: Snapshot;
const dirs: string[] = [];

beforeAll(async () => {
  base = (await realSnapshots())[1];
});

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(dirname(d), { recursive: true, force: true });
});

function reap(time: number, recoveredMs: number | null): RecordedEvent {
  return RecordedEventSchema.parse({ time, kind: 'reap', label: 'firefox', freedBytes: 1 << 30, mreleaseMs: 3, availableBeforeBytes: 1 << 28, recoveredMs, victim: null });
}

/** A recorder fed one tick a second from `t0`; `tick(n)` feeds n more and returns the next tick's time. */
function recording(t0: number): { dir: string; rec: Recorder; tick: (n: number) => number } {
  const dir = tempStore();
  dirs.push(dir);
  const rec = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent' });
  rec.start();
  let t = t0;
  let seq = 0;
  return {
    dir,
    rec,
    tick(n) {
      for (let i = 0; i < n; i++, t += 1000) rec.tick(stamped(base, t, seq++));
      return t;
    },
  };
}

/** Every minute of [t0, end) read on its own gives back its 60 ticks: no record is outside its file's window. */
function expectEveryMinuteWhole(dir: string, t0: number, end: number): void {
  for (let from = t0; from + 60_000 <= end; from += 60_000) {
    expect(readSamples(dir, { from, to: from + 59_999 }).items.length, `minute starting ${(from - t0) / 60_000}`).toBe(60);
  }
}

describe('an event stamped before the segment it arrives in', () => {
  it('saved again and again in files of its own, the last copy is the one read (…-9 before …-10)', () => {
    const dir = tempStore();
    dirs.push(dir);
    ensureStateDir(dir);
    const time = Date.now() - 60_000;
    const w = new StoreWriter(dir, 64 << 20);
    for (let i = 0; i <= 11; i++) w.writeEvent(reap(time, i)); // no tick yet: each copy goes to a file of its own
    w.close();
    expect(listSegments(dir).segments).toHaveLength(12);
    expect(readSamples(dir, { from: time - 1000, to: time + 1000 }).events.map((e) => e.recoveredMs)).toEqual([11]);
  });

  it('a reap’s recovery saved just after the hourly rotation: the ticks after it and the recovered reap are both found', () => {
    const t0 = Date.now() - 2 * 3600_000;
    const { dir, rec, tick } = recording(t0);
    tick(3595);
    const reapTime = tick(0) + 200;
    rec.event(reap(reapTime, null));
    tick(5); // the last ticks of the first hour
    tick(10); // the rotation: a new hour's segment begins with these
    rec.event(reap(reapTime, 1234)); // the recovery, measured later, saved under the reap's own time
    const end = tick(1200);
    rec.close();

    const last = end - 1000;
    expect(readSamples(dir, { from: last - 600_000, to: last }).items).toHaveLength(601);
    expect(readPoints(dir, { from: last - 600_000, to: last }).items).toHaveLength(601);
    expect(readSamples(dir, { from: 0, to: last }).items).toHaveLength(4810);
    expectEveryMinuteWhole(dir, t0, end);
    // The reap, with its recovery, from a range around it alone, from one ending before the rotation, and from everything.
    for (const range of [
      { from: reapTime - 1000, to: reapTime + 1000 },
      { from: reapTime - 60_000, to: reapTime },
      { from: 0, to: last },
    ]) {
      const events = readSamples(dir, range).events;
      expect(events.map((e) => [e.label, e.recoveredMs])).toEqual([['firefox', 1234]]);
    }
    // Tick segments still follow one another by time.
    const ticks = listSegments(dir).segments.filter((s) => s.hasApps);
    expect(ticks.map((s) => s.start)).toEqual([t0, t0 + 3600_000]);
  });

  it('an OOM kill named a few ticks late, across a rotation, is found and hides no tick', () => {
    const t0 = Date.now() - 2 * 3600_000;
    const { dir, rec, tick } = recording(t0);
    const killTime = tick(3598) + 500; // between the last two ticks of the first hour
    tick(8); // the rotation happens in these ticks
    const kill = RecordedEventSchema.parse({ time: killTime, kind: 'oom-kill', label: 'chrome', freedBytes: 1 << 30, mreleaseMs: null, availableBeforeBytes: 0, recoveredMs: null, victim: null });
    rec.event(kill);
    const end = tick(600);
    rec.close();

    expectEveryMinuteWhole(dir, t0, end);
    expect(readSamples(dir, { from: end - 300_000, to: end }).items).toHaveLength(300);
    expect(readSamples(dir, { from: killTime - 1000, to: killTime + 1000 }).events.map((e) => e.label)).toEqual(['chrome']);
    expect(rec.history({ fromTime: killTime - 5000, toTime: killTime + 5000 }, { intervalMs: 1000, points: [], markers: [] }).markers.map((m) => m.label)).toEqual(['chrome']);
  });
});
