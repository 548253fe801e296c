/**
 * The store through the real writer and reader, on real snapshots of this machine: round trip, torn
 * and damaged records, retention by age and by size, hostile files, the writer lock, downsampling.
 */
import { spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { uptime } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { historyPointOf } from '../../contract/history';
import { RecordedAppSchema, RecordedEventSchema, RecordedSampleSchema } from '../../contract/record';
import type { Snapshot } from '../../contract/snapshot';
import { appsToRecord } from '../../main/recorder/codec';
import { downsampleWorst } from '../../main/recorder/downsample';
import { frame, readFrames, RecordType } from '../../main/recorder/frame';
import { acquireLock, holdsLock, LOCK_NAME, processStartTime, releaseLock } from '../../main/recorder/lock';
import { createRecorder } from '../../main/recorder/recorder';
import { applyRetention } from '../../main/recorder/retention';
import { readBootMs, RetentionClock } from '../../main/recorder/retention-clock';
import { ensureStateDir } from '../../main/recorder/safe-fs';
import { listSegments } from '../../main/recorder/segments';
import { readApps, readPoints, readSamples } from '../../main/recorder/store-reader';
import { StoreWriter } from '../../main/recorder/store-writer';
import { cachedPaths, forgetCached, setCacheLimit, warmCache } from '../../main/recorder/sys-cache';
import { realSnapshots, stamped, tempStore } from './support';

let base: Snapshot;
const dirs: string[] = [];

beforeAll(async () => {
  base = (await realSnapshots())[1];
});

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(dirname(d), { recursive: true, force: true });
});

function store(): string {
  const dir = tempStore();
  dirs.push(dir);
  ensureStateDir(dir);
  return dir;
}

function writeTicks(dir: string, start: number, count: number, stepMs: number, cap = 64 << 20): StoreWriter {
  const w = new StoreWriter(dir, cap);
  for (let i = 0; i < count; i++) w.writeTick(stamped(base, start + i * stepMs, i));
  return w;
}

const everything = { from: 0, to: Number.MAX_SAFE_INTEGER };

describe('round trip', () => {
  it('gives back every tick, time-ordered and valid, with the figures the snapshot had (to the KiB)', () => {
    const dir = store();
    const t0 = Date.now() - 100_000;
    const w = writeTicks(dir, t0, 100, 1000);
    w.writeEvent({ ...RecordedEventSchema.parse({ time: t0 + 5000, kind: 'reap', label: 'firefox', freedBytes: 1 << 30, mreleaseMs: 12, availableBeforeBytes: 1 << 30, recoveredMs: null }) });
    w.close();
    const read = readSamples(dir, everything);
    expect(read.items).toHaveLength(100);
    expect(read.skipped).toBe(0);
    read.items.forEach((s, i) => {
      expect(RecordedSampleSchema.parse(s)).toEqual(s);
      expect(s.t).toBe(t0 + i * 1000);
      expect(s.seq).toBe(i);
    });
    const s = read.items[0]!;
    expect(Math.abs(s.availableBytes - base.memory.availableBytes)).toBeLessThan(1024);
    expect(Math.abs(s.totalBytes - base.memory.totalBytes)).toBeLessThan(1024);
    expect(s.processCount).toBe(base.processes.length);
    expect(s.memSomeAvg10).toBeCloseTo(base.psi!.memory!.some.avg10, 2);
    expect(read.events).toHaveLength(1);
    expect(read.events[0]!.label).toBe('firefox');

    const apps = readApps(dir, everything);
    const kept = appsToRecord(base.apps);
    expect(apps.items).toHaveLength(100 * kept.length);
    for (const a of apps.items.slice(0, kept.length)) {
      expect(RecordedAppSchema.parse(a)).toEqual(a);
      const orig = base.apps.find((x) => x.id === a.id)!;
      expect(a.name).toBe(orig.name);
      expect(Math.abs(a.rssBytes - orig.rssBytes)).toBeLessThan(1024);
    }
    const points = readPoints(dir, { from: t0 + 10_000, to: t0 + 19_000 });
    expect(points.items.map((p) => p.t)).toEqual(Array.from({ length: 10 }, (_, i) => t0 + 10_000 + i * 1000));
  });
});

describe('damage', () => {
  it('skips a torn last record (file cut mid-record) and reads everything before it', () => {
    const dir = store();
    writeTicks(dir, Date.now() - 60_000, 50, 1000).close();
    const [seg] = listSegments(dir).segments;
    const sys = join(dir, `${seg!.stem}.sys`);
    truncateSync(sys, statSync(sys).size - 40);
    const apps = join(dir, `${seg!.stem}.apps`);
    truncateSync(apps, statSync(apps).size - 7);
    const read = readSamples(dir, everything);
    expect(read.items).toHaveLength(49);
    expect(read.skipped).toBe(1);
    expect(readApps(dir, everything).items.length).toBe(49 * appsToRecord(base.apps).length);
  });

  it('skips a damaged record in the middle and still reads the ones after it', () => {
    const dir = store();
    writeTicks(dir, Date.now() - 60_000, 50, 1000).close();
    const [seg] = listSegments(dir).segments;
    const sys = join(dir, `${seg!.stem}.sys`);
    const bytes = readFileSync(sys);
    bytes[bytes.length - 10 * 122 + 50]! ^= 0xff; // inside the 10th record from the end
    writeFileSync(sys, bytes);
    const read = readSamples(dir, everything);
    expect(read.items).toHaveLength(49);
    expect(read.skipped).toBe(1);
    expect(read.items[48]!.seq).toBe(49);
  });
});

describe('crafted files', () => {
  it('a file of fake headers each claiming a long record is given up on after bounded work; the real record before it is read', () => {
    const real = frame(RecordType.event, Buffer.from('{"real":true}'));
    const junk = Buffer.alloc(512 * 1024);
    // A plausible header every 12 bytes, each claiming a record up to the end, with a wrong checksum.
    for (let pos = 0; pos + 12 <= junk.length; pos += 12) {
      junk[pos] = 0x48;
      junk[pos + 1] = 0x52;
      junk[pos + 2] = RecordType.event;
      junk[pos + 3] = 0;
      junk.writeUInt32LE(junk.length - pos - 12, pos + 4);
    }
    const stats = { skipped: 0 };
    const started = performance.now();
    const frames = readFrames(Buffer.concat([real, junk]), undefined, stats);
    const ms = performance.now() - started;
    expect(frames).toHaveLength(1);
    expect(stats.skipped).toBe(1);
    // Unbounded, this scan checksums ~11 GB (a similar 512 KiB file took 15 s); bounded, ~5 MiB.
    expect(ms).toBeLessThan(5000);
  });
});

describe('records whose time is no time', () => {
  it('a system record stamped NaN, beyond a Date or before 1970 is skipped as damaged; the real ones read', () => {
    const dir = store();
    writeTicks(dir, Date.now() - 60_000, 5, 1000).close();
    const [seg] = listSegments(dir).segments;
    const sysPath = join(dir, `${seg!.stem}.sys`);
    const bytes = readFileSync(sysPath);
    const first = readFrames(bytes).find((f) => f.type === RecordType.system)!;
    for (const t of [Number.NaN, 1e300, -5]) {
      const body = Buffer.from(bytes.subarray(first.start, first.end));
      body.writeDoubleLE(t, 0);
      writeFileSync(sysPath, frame(RecordType.system, body), { flag: 'a' });
    }
    const read = readSamples(dir, everything);
    expect(read.items.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(read.skipped).toBe(3);
    expect(readPoints(dir, everything).items).toHaveLength(5);
  });
});

describe('damaged per-app records', () => {
  /**
   * A store of five real ticks with one crafted keyframe apps record (deflated `body`) appended after
   * them: its per-app rows before, and what a read finds afterwards.
   */
  function withCraftedAppsRecord(body: Buffer): { before: ReturnType<typeof readApps>['items']; read: ReturnType<typeof readApps> } {
    const dir = store();
    const t0 = Date.now() - 60_000;
    writeTicks(dir, t0, 5, 1000).close();
    const before = readApps(dir, everything).items;
    const [seg] = listSegments(dir).segments;
    const head = Buffer.alloc(9);
    head.writeDoubleLE(t0 + 5_500, 0);
    head[8] = 1; // a keyframe: inflated on its own
    writeFileSync(join(dir, `${seg!.stem}.apps`), frame(RecordType.apps, Buffer.concat([head, body])), { flag: 'a' });
    return { before, read: readApps(dir, everything) };
  }

  it('a record claiming more rows than any tick holds (a 43 KB file of them ran the reader out of memory) is skipped', () => {
    // 100,000 rows of seven one-byte varints each: 700 KB raw, a few KB deflated.
    const rows = Buffer.alloc(3 + 100_000 * 7);
    rows.set([0xa0, 0x8d, 0x06]); // varint 100,000
    const { before, read } = withCraftedAppsRecord(deflateRawSync(rows));
    expect(read.skipped).toBe(1);
    expect(read.items).toEqual(before);
  });

  it('a crafted apps record that would inflate to 64 MiB is skipped at 16 MiB, and the real ones around it read', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { windowBits: 14, memLevel: 8, level: 6 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { before, read } = withCraftedAppsRecord(bomb);
    expect(read.skipped).toBe(1);
    expect(read.items).toEqual(before);
  });


  it('a damaged record costs the rows up to the next keyframe, never rows decoded against the wrong block', () => {
    const dir = store();
    const t0 = Date.now() - 100_000;
    const w = new StoreWriter(dir, 64 << 20);
    // Every app grows by 4 MiB at tick 10 and stays there: tick 11 is stored as "same as tick 10",
    // so read against tick 9's rows instead it would come out whole — and wrong.
    const tickAt = (i: number): Snapshot => ({
      ...stamped(base, t0 + i * 1000, i),
      apps: base.apps.map((a, j) => ({ ...a, rssBytes: (j + 1) * 100 * 1024 * 1024 + (i >= 10 ? 4 * 1024 * 1024 : 0) })),
    });
    for (let i = 0; i < 70; i++) w.writeTick(tickAt(i));
    w.close();
    const truth = new Map(readApps(dir, everything).items.map((a) => [`${a.t}|${a.id}`, a]));
    const perTick = appsToRecord(tickAt(0).apps).length;
    expect(truth.size).toBe(70 * perTick);

    const [seg] = listSegments(dir).segments;
    const appsPath = join(dir, `${seg!.stem}.apps`);
    const bytes = readFileSync(appsPath);
    const records = readFrames(bytes).filter((f) => f.type === RecordType.apps);
    bytes[records[10]!.start + 20]! ^= 0xff; // inside tick 10's deflated rows (not a keyframe)
    writeFileSync(appsPath, bytes);

    const read = readApps(dir, everything);
    const ticks = [...new Set(read.items.map((a) => (a.t - t0) / 1000))];
    // Ticks 0–9 before the damage, 60–69 from the next keyframe on; 10–59 are lost, not made up.
    expect(ticks).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 60 + i)]);
    for (const a of read.items) expect(a).toEqual(truth.get(`${a.t}|${a.id}`));
    expect(read.skipped).toBeGreaterThanOrEqual(1);
  });
});

describe('decode cache', () => {
  it('a reader forgets files another process deleted, at its next read of the folder', () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 3 * 3600_000, 3 * 360 + 1, 10_000).close(); // 4 segments
    const segments = listSegments(dir).segments;
    expect(readPoints(dir, everything).items).toHaveLength(3 * 360 + 1);
    const ofDir = (): string[] => cachedPaths().filter((p) => dirname(p) === dir).sort();
    expect(ofDir()).toEqual(segments.map((s) => join(dir, `${s.stem}.sys`)).sort());

    // The writer's retention, in another process: this one's cache is not told.
    for (const s of segments.slice(0, 2)) for (const ext of ['sys', 'apps']) rmSync(join(dir, `${s.stem}.${ext}`));
    expect(readPoints(dir, everything).items.length).toBeLessThan(3 * 360 + 1);
    expect(ofDir()).toEqual(segments.slice(2).map((s) => join(dir, `${s.stem}.sys`)).sort());
  });
});

describe('decode cache size', () => {
  it('holds at most its limit, newest files kept when warmed, and every read still complete', async () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 4 * 3600_000, 4 * 3600, 1000).close(); // 4 h at 1 Hz: ~0.45 MiB of .sys per hour
    const segments = listSegments(dir).segments;
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const previous = setCacheLimit(1024 * 1024);
    try {
      const ofDir = (): string[] => cachedPaths().filter((p) => dirname(p) === dir);
      forgetCached(ofDir());
      await new Promise<void>((resolve) => warmCache(dir, resolve));
      const warmed = ofDir();
      // Warmed newest first until full: the newest two hours, not the oldest.
      expect(warmed.length).toBeGreaterThanOrEqual(1);
      expect(warmed.length).toBeLessThan(segments.length);
      expect(warmed).toContain(join(dir, `${segments.at(-1)!.stem}.sys`));
      const bytes = (paths: string[]) => paths.reduce((sum, p) => sum + statSync(p).size, 0);
      expect(bytes(warmed)).toBeLessThanOrEqual(1024 * 1024 + statSync(join(dir, `${segments.at(-1)!.stem}.sys`)).size);
      // A read of everything decodes the rest and keeps within the limit (the file just read stays).
      expect(readPoints(dir, everything).items).toHaveLength(4 * 3600);
      expect(bytes(ofDir())).toBeLessThanOrEqual(1024 * 1024 + Math.max(...segments.map((s) => s.sysBytes)));
    } finally {
      setCacheLimit(previous);
    }
  });
});

describe('retention', () => {
  it('drops the oldest segments past the retention period, keeping the newest', () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 3 * 3600_000, 3 * 360 + 1, 10_000).close(); // 3 h at one tick per 10 s: 4 segments
    expect(listSegments(dir).segments.length).toBe(4);
    const result = applyRetention(dir, now, 3600_000, 64 << 20, null);
    // The second segment (now-2h … now-1h) still reaches the retention boundary: only the first goes.
    expect(result.deleted.length).toBe(1);
    const samples = readSamples(dir, everything).items;
    expect(samples[0]!.t).toBe(now - 2 * 3600_000);
    expect(applyRetention(dir, now + 1, 3600_000, 64 << 20, null).deleted.length).toBe(1);
    expect(readSamples(dir, everything).items[0]!.t).toBe(now - 3600_000);
    expect(samples[samples.length - 1]!.t).toBe(now);
  });

  it('drops the oldest segments until the folder is under its size cap', () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 3000_000, 3000, 1000, 128 * 1024).close();
    const before = listSegments(dir).segments;
    const total = before.reduce((s, x) => s + x.sysBytes + x.appsBytes, 0);
    expect(before.length).toBeGreaterThan(3);
    const result = applyRetention(dir, now, 24 * 3600_000, Math.floor(total / 2), null);
    expect(result.bytesAfter).toBeLessThanOrEqual(total / 2);
    const after = listSegments(dir).segments;
    expect(after[after.length - 1]!.stem).toBe(before[before.length - 1]!.stem);
    expect(after[0]!.start).toBeGreaterThan(before[0]!.start);
  });
});

describe('a folder removed while recording', () => {
  it('is noticed at the fsync round, said at the next write, and recording starts again in a new folder at once', async () => {
    const dir = store();
    const logged: string[] = [];
    const rec = createRecorder({ dir, log: (line) => logged.push(line), kmsgPath: '/nonexistent' });
    try {
      rec.start();
      const t0 = Date.now() - 60_000;
      for (let i = 0; i < 5; i++) rec.tick(stamped(base, t0 + i * 1000, i));
      rmSync(dir, { recursive: true, force: true });
      // The fsync round (every 2 s) finds the open files unlinked.
      await new Promise((r) => setTimeout(r, 2500));
      rec.tick(stamped(base, t0 + 5000, 5));
      expect(rec.status().state).toBe('failing');
      expect(rec.status().message).toMatch(/were removed while being written/);
      // The next tick makes the folder again and is written there.
      rec.tick(stamped(base, t0 + 6000, 6));
      rec.tick(stamped(base, t0 + 7000, 7));
      expect(rec.status().state).toBe('recording');
      expect(readSamples(dir, everything).items.map((x) => x.seq)).toEqual([6, 7]);
      expect(logged.some((l) => /recorded again/.test(l))).toBe(true);
    } finally {
      rec.close();
    }
  });
});

describe('retention when the clock jumps', () => {
  it('a tick stamped two days ahead by a clock set wrong for a moment deletes nothing', () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 5 * 3600_000, 5 * 360, 10_000).close(); // 5 h, 5 segments
    const before = listSegments(dir).segments.map((seg) => seg.stem);
    expect(before.length).toBeGreaterThanOrEqual(5);
    const rec = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent' });
    try {
      rec.start();
      rec.tick(stamped(base, now, 0));
      // Two days ahead: a new segment (its time is past the open one's hour), and a retention pass at that time.
      rec.tick(stamped(base, now + 2 * 24 * 3600_000, 1));
      rec.tick(stamped(base, now + 1000, 2));
      const after = listSegments(dir).segments.map((seg) => seg.stem);
      for (const stem of before) expect(after).toContain(stem);
      expect(readSamples(dir, everything).items.length).toBe(5 * 360 + 3);
    } finally {
      rec.close();
    }
  });

  it('after the clock is set back, the size cap deletes what was written first, not what is named earliest', () => {
    const dir = store();
    const now = Date.now();
    // Three segments written first (now − 3 h …), then the clock set back 10 h: three more, named earlier.
    const first = new StoreWriter(dir, 64 << 20);
    for (let i = 0; i < 3 * 360; i++) first.writeTick(stamped(base, now - 3 * 3600_000 + i * 10_000, i));
    first.close();
    const written = listSegments(dir).segments.map((seg) => seg.stem);
    const second = new StoreWriter(dir, 64 << 20);
    for (let i = 0; i < 3 * 360; i++) second.writeTick(stamped(base, now - 13 * 3600_000 + i * 10_000, i));
    second.close();
    const all = listSegments(dir).segments;
    const later = all.filter((seg) => !written.includes(seg.stem));
    expect(later.every((seg) => seg.start < Math.min(...all.filter((x) => written.includes(x.stem)).map((x) => x.start)))).toBe(true);
    const laterBytes = later.reduce((sum, seg) => sum + seg.sysBytes + seg.appsBytes, 0);
    applyRetention(dir, now - 10 * 3600_000, 24 * 3600_000, laterBytes, null);
    expect(listSegments(dir).segments.map((seg) => seg.stem).sort()).toEqual(later.map((seg) => seg.stem).sort());
  });

  it('retention\'s clock follows the wall clock back at once, and forward no faster than the time that passed', () => {
    let boot = 1_000_000;
    const clock = new RetentionClock(() => boot);
    expect(clock.now(5_000_000_000)).toBe(5_000_000_000);
    boot += 10_000;
    expect(clock.now(5_000_010_000)).toBe(5_000_010_000);
    boot += 1_000;
    // Two days ahead after one second: one second and the minute's slack.
    expect(clock.now(5_000_010_000 + 2 * 86_400_000)).toBe(5_000_010_000 + 1_000 + 60_000);
    boot += 1_000;
    expect(clock.now(4_000_000_000)).toBe(4_000_000_000);
    boot += 1_000;
    expect(clock.now(4_000_001_000)).toBe(4_000_001_000);
    // A suspend: the boot clock counts it, so a long real gap is followed.
    boot += 3 * 86_400_000;
    expect(clock.now(4_000_001_000 + 3 * 86_400_000)).toBe(4_000_001_000 + 3 * 86_400_000);
    // The boot clock it reads by default is /proc/uptime's, in ms.
    expect(Math.abs(readBootMs() - uptime() * 1000)).toBeLessThan(2000);
  });
});

describe('hostile files', () => {
  it('refuses a symlink, a FIFO, a huge file and a file of another user, and still reads the rest', async () => {
    const dir = store();
    const now = Date.now();
    writeTicks(dir, now - 10_000, 10, 1000).close();
    const secret = join(dirname(dir), 'secret');
    writeFileSync(secret, 'not yours');
    symlinkSync(secret, join(dir, `seg-${String(now - 5000).padStart(13, '0')}-1-0.sys`));
    const fifo = join(dir, `seg-${String(now - 4000).padStart(13, '0')}-2-0.sys`);
    await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? resolve() : reject(new Error('mkfifo failed')))));
    const huge = join(dir, `seg-${String(now - 3000).padStart(13, '0')}-3-0.sys`);
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 1024 * 1024);
    const foreign = join(dir, `seg-${String(now - 2000).padStart(13, '0')}-4-0.sys`);
    writeFileSync(foreign, 'HR');
    chownSync(foreign, 65534, 65534);
    const read = readSamples(dir, everything);
    expect(read.items).toHaveLength(10);
    expect(read.refused.join('\n')).toMatch(/is not a regular file/);
    expect(read.refused.join('\n')).toMatch(/more than a history file can be/);
    expect(read.refused.join('\n')).toMatch(/belongs to uid 65534/);
    expect(readFileSync(secret, 'utf8')).toBe('not yours');
    // Retention neither counts nor deletes them: the huge file does not push the history out.
    expect(applyRetention(dir, now, 3600_000, 4 << 20, null).deleted).toEqual([]);
    expect(readSamples(dir, everything).items).toHaveLength(10);
  });

  it('will not record into a folder that is a symlink or writable by others, and says why', () => {
    const dir = tempStore();
    dirs.push(dir);
    const real = join(dirname(dir), 'elsewhere');
    mkdirSync(real, { recursive: true });
    symlinkSync(real, dir);
    const rec = createRecorder({ dir, log: () => {} });
    rec.start();
    expect(rec.status().state).toBe('off');
    expect(rec.status().message).toMatch(/symbolic link/);
    rec.close();
    expect(readdirSync(real)).toEqual([]);
  });

  it('does not follow a symlink planted as the lock file', () => {
    const dir = store();
    const target = join(dirname(dir), 'target');
    writeFileSync(target, 'keep');
    symlinkSync(target, join(dir, LOCK_NAME));
    const rec = createRecorder({ dir, log: () => {} });
    rec.start();
    expect(rec.status().state).toBe('off');
    expect(rec.status().message).toMatch(/symbolic link/);
    rec.close();
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });
});

describe('writer lock', () => {
  it('one writer: a live holder makes a follower; a dead holder is stale and taken over', async () => {
    const dir = store();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const other = { pid: child.pid!, startTime: processStartTime(child.pid!)! };
      expect(acquireLock(dir, other)).toBeNull();
      const me = { pid: process.pid, startTime: processStartTime(process.pid)! };
      expect(acquireLock(dir, me)).toEqual(other);
      const rec = createRecorder({ dir, log: () => {} });
      rec.start();
      expect(rec.status().state).toBe('follower');
      expect(rec.status().message).toContain(`PID ${child.pid}`);
      rec.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(acquireLock(dir, me)).toBeNull();
      expect(holdsLock(dir, me)).toBe(true);
      releaseLock(dir, me);
      expect(holdsLock(dir, me)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('treats a lock naming a reused PID (other start time) as stale', () => {
    const dir = store();
    const fd = openSync(join(dir, LOCK_NAME), 'wx', 0o600);
    writeSync(fd, `${process.pid} 1\n`);
    closeSync(fd);
    const me = { pid: process.pid, startTime: processStartTime(process.pid)! };
    expect(acquireLock(dir, me)).toBeNull();
  });

  it('a lock file just made and still empty is being written, not stale: no second writer; once it stays empty it is stale', () => {
    const dir = store();
    const path = join(dir, LOCK_NAME);
    // What another contender's O_EXCL create leaves for a moment before it writes its line.
    closeSync(openSync(path, 'wx', 0o600));
    const me = { pid: process.pid, startTime: processStartTime(process.pid)!, nonce: 'ab12' };
    expect(acquireLock(dir, me)).toEqual({ pid: 0, startTime: 0 });
    expect(readFileSync(path, 'utf8')).toBe('');
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(path, old, old);
    expect(acquireLock(dir, me)).toBeNull();
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid} ${me.startTime} ab12\n`);
    // Written whole through a file of its own, which is gone again.
    expect(readdirSync(dir)).toEqual([LOCK_NAME]);
  });
});

describe('downsampling', () => {
  it('keeps each bucket’s worst moment, so a one-tick spike in a day survives', () => {
    const t0 = 1_700_000_000_000;
    const points = Array.from({ length: 86_400 }, (_, i) => ({
      t: t0 + i * 1000,
      memSomePct: i === 43_210 ? 80 : 0,
      memFullPct: i === 43_210 ? 40 : 0,
      memSomeAvg10: 0,
      memFullAvg10: 0,
      cpuSomePct: 0,
      ioSomePct: 0,
      availableBytes: 1e9,
      usedBytes: 1e9,
      swapUsedBytes: 0,
      zramUsedBytes: 0,
    }));
    const out = downsampleWorst(points, t0, t0 + 86_399_000, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.length).toBeGreaterThan(900);
    expect(out.some((p) => p.memFullPct === 40 && p.t === t0 + 43_210_000)).toBe(true);
  });
});

describe('writer and follower', () => {
  it('a follower’s own points (sampled at other moments) are drawn only where the store has none', () => {
    const dir = store();
    const writer = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent' });
    const follower = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent' });
    writer.start();
    follower.start();
    const t0 = Date.now() - 200_000;
    // The writer's ticks jitter by up to 300 ms; it stops after 100 of them. The follower samples 400 ms after each second.
    const writerTimes = Array.from({ length: 100 }, (_, i) => t0 + i * 1000 + (i % 3) * 150);
    writerTimes.forEach((t, i) => writer.tick(stamped(base, t, i)));
    writer.close();
    const mine = Array.from({ length: 110 }, (_, i) => historyPointOf(stamped(base, t0 + 400 + i * 1000, i)));
    const h = follower.history({ fromTime: t0, toTime: t0 + 120_000 }, { intervalMs: 1000, points: mine, markers: [] });
    expect(h.points.map((p) => p.t)).toEqual([...writerTimes, ...mine.slice(99).map((p) => p.t)]);
    follower.close();
  });

  it('the follower reads the writer’s history, stores only its own reaps, and takes over when the writer exits', async () => {
    const dir = store();
    const writer = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent' });
    const follower = createRecorder({ dir, log: () => {}, kmsgPath: '/nonexistent', retryMs: 50 });
    writer.start();
    follower.start();
    expect(writer.status().state).toBe('recording');
    expect(follower.status().state).toBe('follower');
    const t0 = Date.now() - 20_000;
    for (let i = 0; i < 10; i++) {
      writer.tick(stamped(base, t0 + i * 1000, i));
      follower.tick(stamped(base, t0 + i * 1000, i));
    }
    const marker = (kind: 'reap' | 'warning', label: string, time: number) =>
      RecordedEventSchema.parse({ time, kind, label, freedBytes: 0, mreleaseMs: null, availableBeforeBytes: 0, recoveredMs: null });
    follower.event(marker('reap', 'by-follower', t0 + 3000));
    follower.event(marker('warning', 'follower-warning', t0 + 3500));
    writer.event(marker('warning', 'by-writer', t0 + 4000));
    const memory = { intervalMs: 1000, points: [], markers: [] };
    const h = follower.history({ fromTime: t0, toTime: t0 + 20_000 }, memory);
    expect(h.points.map((p) => p.t)).toEqual(Array.from({ length: 10 }, (_, i) => t0 + i * 1000));
    expect(h.markers.map((m) => m.label)).toEqual(['by-follower', 'by-writer']);
    expect(follower.history({ fromTime: t0, toTime: t0 + 20_000, maxPoints: 10 }, memory).points).toHaveLength(10);
    // The follower's events-only file starts inside the writer's segment: a range after it still finds the ticks.
    expect(listSegments(dir).segments.map((x) => x.hasApps)).toEqual([true, false]);
    expect(follower.history({ fromTime: t0 + 5000, toTime: t0 + 9000 }, memory).points.map((p) => p.t)).toEqual([5, 6, 7, 8, 9].map((i) => t0 + i * 1000));
    expect(follower.history({}, memory)).toBe(memory);

    writer.close();
    await new Promise((r) => setTimeout(r, 60));
    follower.tick(stamped(base, t0 + 10_000, 10));
    expect(follower.status().state).toBe('recording');
    follower.tick(stamped(base, t0 + 11_000, 11));
    expect(readSamples(dir, everything).items.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    follower.close();
  });
});
