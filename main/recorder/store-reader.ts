/**
 * The reading side of the store, used by the writer's own process and by followers alike: it never
 * takes the lock, it only reads files whose records are framed and checksummed, so it can read while
 * a writer appends (a half-written last record is simply skipped until it is whole).
 *
 * The index is two-level. The segment file names carry the time of their first record, so a range
 * read opens only the segments that can overlap it (a segment ends where the next one begins). Inside
 * a segment, decoded system records are cached per file and revalidated by size: sealed segments
 * never change, so scrubbing back and forth over 24 h decodes each file once.
 */
import { closeSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryPoint } from '../../contract/history';
import type { RecordedApp, RecordedEvent, RecordedSample } from '../../contract/record';
import { lazyModule } from '../lazy-module';

// The events' schema (zod) loads when events are first read, not at start (lazy-module.ts).
const recordContract = lazyModule<typeof import('../../contract/record')>('contract/record');
import { appsRecordHead, decodeAppsRaw, decodeSystem, decodeSystemPoint, inflateAppsRecord, SYSTEM_BYTES, type AppDef } from './codec';
import { readFrames, RecordType, type ScanStats } from './frame';
import { errnoCode, lstatOrNull, openStoreFile, readStoreFile, RecorderRefusal } from './safe-fs';

/** No segment file may be larger than this (the writer rotates far below it). */
export const MAX_SEGMENT_FILE_BYTES = 256 * 1024 * 1024;

/** A segment pair on disk. */
export interface SegmentInfo {
  stem: string;
  /** Time of its first record (from the name). */
  start: number;
  pid: number;
  sysBytes: number;
  appsBytes: number;
  hasApps: boolean;
  /** Last write of the .sys file (ms), for an events-only file's end. */
  mtimeMs: number;
  /** Where it ends: the next tick segment's start (of any writer), or its last write for a follower's events-only file; Infinity for the newest. Set by listSegments. */
  end: number;
}

/** The segments in `dir`, oldest first, plus the files skipped and why. */
export function listSegments(dir: string): { segments: SegmentInfo[]; refused: string[] } {
  const refused: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { segments: [], refused };
    throw err;
  }
  const byStem = new Map<string, SegmentInfo>();
  for (const name of names) {
    const m = /^(seg-(\d{13})-(\d+)-\d+)\.(sys|apps)$/.exec(name);
    if (!m) continue;
    const info = lstatOrNull(join(dir, name));
    if (!info) continue;
    if (!info.isFile()) {
      refused.push(`${join(dir, name)} is not a regular file; it is skipped. Remove it.`);
      continue;
    }
    // Not counted, not read, not deleted by retention: a planted file must not push our history out.
    if (info.uid !== (process.getuid?.() ?? 0)) {
      refused.push(`${join(dir, name)} belongs to uid ${info.uid}, not to you; it is skipped. Remove it.`);
      continue;
    }
    if (info.size > MAX_SEGMENT_FILE_BYTES) {
      refused.push(`${join(dir, name)} is ${info.size} bytes, more than a history file can be (${MAX_SEGMENT_FILE_BYTES}); it is skipped. Remove it.`);
      continue;
    }
    const stem = m[1]!;
    let seg = byStem.get(stem);
    if (!seg) byStem.set(stem, (seg = { stem, start: Number(m[2]), pid: Number(m[3]), sysBytes: 0, appsBytes: 0, hasApps: false, mtimeMs: 0, end: Infinity }));
    if (m[4] === 'sys') {
      seg.sysBytes = info.size;
      seg.mtimeMs = info.mtimeMs;
    }
    else {
      seg.appsBytes = info.size;
      seg.hasApps = true;
    }
  }
  const segments = [...byStem.values()].sort((a, b) => a.start - b.start || a.stem.localeCompare(b.stem));
  // Tick segments follow one another (one writer at a time); a follower's events-only files interleave.
  let nextTickStart = Infinity;
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!;
    if (seg.hasApps) {
      seg.end = nextTickStart;
      nextTickStart = seg.start;
    } else {
      seg.end = Math.max(seg.start, seg.mtimeMs);
    }
  }
  return { segments, refused };
}

interface DecodedSys {
  size: number;
  /** Byte offsets of system records (payload starts), time-ordered as written. */
  buf: Buffer;
  systemOffsets: number[];
  times: Float64Array;
  /** Where the event records are; parsed (and validated) only when a history read asks (eventsOf). */
  eventFrames: { start: number; end: number }[];
  events: RecordedEvent[] | null;
  skipped: number;
}

/**
 * The events of a decoded file, parsed on first use: a warm-up of the cache at start needs only the
 * system records, and parsing an event needs the contract's schemas (zod, +11 MiB), which a headless
 * `serve` does not otherwise load (docs/BENCHMARKS.md, "Footprint, third pass").
 */
function eventsOf(decoded: DecodedSys): RecordedEvent[] {
  if (decoded.events) return decoded.events;
  const events: RecordedEvent[] = [];
  for (const f of decoded.eventFrames) {
    try {
      const parsed = recordContract().RecordedEventSchema.safeParse(JSON.parse(decoded.buf.subarray(f.start, f.end).toString('utf8')));
      if (parsed.success) events.push(parsed.data);
      else decoded.skipped++;
    } catch {
      decoded.skipped++;
    }
  }
  decoded.events = events;
  return events;
}

const cache = new Map<string, DecodedSys>();
const WANT_SYS = new Set<number>([RecordType.system, RecordType.event]);

function decodeSysFile(path: string): DecodedSys {
  const { fd, size } = openStoreFile(path, MAX_SEGMENT_FILE_BYTES);
  const hit = cache.get(path);
  let buf: Buffer;
  try {
    if (hit && hit.size === size) return hit;
    buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got < size) buf = buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
  const stats: ScanStats = { skipped: 0 };
  const frames = readFrames(buf, WANT_SYS, stats);
  const systemOffsets: number[] = [];
  const eventFrames: { start: number; end: number }[] = [];
  for (const f of frames) {
    if (f.type === RecordType.system) {
      if (f.end - f.start >= SYSTEM_BYTES) systemOffsets.push(f.start);
    } else {
      eventFrames.push({ start: f.start, end: f.end });
    }
  }
  const times = new Float64Array(systemOffsets.length);
  for (let i = 0; i < systemOffsets.length; i++) times[i] = buf.readDoubleLE(systemOffsets[i]!);
  const decoded: DecodedSys = { size: buf.length, buf, systemOffsets, times, eventFrames, events: null, skipped: stats.skipped };
  cache.set(path, decoded);
  return decoded;
}

/**
 * Read and cache the system records of every segment, one file per macrotask, so the first range
 * query of the window finds them decoded (a day is ~24 files of ~0.45 MiB, each a few ms to check).
 * Returns a function that stops the warm-up.
 */
export function warmCache(dir: string, done?: () => void): () => void {
  let stopped = false;
  let stems: string[];
  try {
    stems = listSegments(dir).segments.map((s) => s.stem);
  } catch {
    stems = [];
  }
  const next = (): void => {
    if (stopped) return;
    const stem = stems.pop();
    if (stem === undefined) {
      done?.();
      return;
    }
    try {
      decodeSysFile(join(dir, `${stem}.sys`));
    } catch {
      // Refused or gone: the range read will say so.
    }
    setTimeout(next, 0).unref();
  };
  setTimeout(next, 0).unref();
  return () => {
    stopped = true;
  };
}

/** Forget cached decodes of files that were deleted (retention) so the cache stays bounded. */
export function forgetCached(paths: Iterable<string>): void {
  for (const p of paths) cache.delete(p);
}

/** A time range, inclusive, ms since the epoch. */
export interface TimeRange {
  from: number;
  to: number;
}

/** What a range read found. */
export interface RangeRead<T> {
  items: T[];
  events: RecordedEvent[];
  /** Torn or damaged records skipped, and files refused. */
  skipped: number;
  refused: string[];
}

function overlapping(segments: SegmentInfo[], range: TimeRange): SegmentInfo[] {
  return segments.filter((s) => s.start <= range.to && s.end >= range.from);
}

function readSystemRange<T>(dir: string, range: TimeRange, decode: (buf: Buffer, offset: number) => T): RangeRead<T> {
  const { segments, refused } = listSegments(dir);
  const items: T[] = [];
  const events = new Map<string, RecordedEvent>();
  let skipped = 0;
  let lastTime = -Infinity;
  let ordered = true;
  const stamped: { t: number; item: T }[] = [];
  for (const seg of overlapping(segments, range)) {
    let decoded: DecodedSys;
    try {
      decoded = decodeSysFile(join(dir, `${seg.stem}.sys`));
    } catch (err) {
      if (err instanceof RecorderRefusal) refused.push(err.message);
      else if (errnoCode(err) !== 'ENOENT') refused.push(`${seg.stem}.sys could not be read (${errnoCode(err)}); it is skipped.`);
      continue;
    }
    const fileEvents = eventsOf(decoded);
    skipped += decoded.skipped;
    const { times, systemOffsets, buf } = decoded;
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (t < range.from || t > range.to) continue;
      if (t < lastTime) ordered = false;
      lastTime = t;
      stamped.push({ t, item: decode(buf, systemOffsets[i]!) });
    }
    for (const e of fileEvents) {
      // A marker is re-recorded when its recovery is measured: the last copy wins.
      if (e.time >= range.from && e.time <= range.to) events.set(`${e.time}|${e.kind}|${e.label}`, e);
    }
  }
  if (!ordered) stamped.sort((a, b) => a.t - b.t);
  for (const s of stamped) items.push(s.item);
  return { items, events: [...events.values()].sort((a, b) => a.time - b.time), skipped, refused };
}

/** Graph points and events in `range`, time-ordered. */
export function readPoints(dir: string, range: TimeRange): RangeRead<HistoryPoint> {
  return readSystemRange(dir, range, decodeSystemPoint);
}

/** What readPointsWorst found: at most maxPoints points, time-ordered, and the newest record time. */
export interface WorstRead extends RangeRead<HistoryPoint> {
  /** Time of the newest record in range, or null when none. */
  lastTime: number | null;
}

/**
 * Graph points in `range`, at most `maxPoints`: all of them when they fit, else each time bucket's
 * worst moment (downsample.ts's rule). Buckets are chosen from three fields read straight from the
 * buffers, and only the chosen records are decoded, so a day costs a pass over its times, not 86,400
 * objects.
 */
export function readPointsWorst(dir: string, range: TimeRange, maxPoints: number): WorstRead {
  const { segments, refused } = listSegments(dir);
  const files: DecodedSys[] = [];
  const events = new Map<string, RecordedEvent>();
  let skipped = 0;
  let count = 0;
  let lastTime: number | null = null;
  for (const seg of overlapping(segments, range)) {
    try {
      const decoded = decodeSysFile(join(dir, `${seg.stem}.sys`));
      files.push(decoded);
      const fileEvents = eventsOf(decoded);
      skipped += decoded.skipped;
      for (const t of decoded.times) {
        if (t < range.from || t > range.to) continue;
        count++;
        if (lastTime === null || t > lastTime) lastTime = t;
      }
      for (const e of fileEvents) if (e.time >= range.from && e.time <= range.to) events.set(`${e.time}|${e.kind}|${e.label}`, e);
    } catch (err) {
      if (err instanceof RecorderRefusal) refused.push(err.message);
      else if (errnoCode(err) !== 'ENOENT') refused.push(`${seg.stem}.sys could not be read (${errnoCode(err)}); it is skipped.`);
    }
  }
  const chosen: { t: number; buf: Buffer; off: number }[] = [];
  if (count <= maxPoints) {
    for (const f of files) for (let i = 0; i < f.times.length; i++) {
      const t = f.times[i]!;
      if (t >= range.from && t <= range.to) chosen.push({ t, buf: f.buf, off: f.systemOffsets[i]! });
    }
  } else {
    const width = Math.max(1, range.to - range.from + 1) / maxPoints;
    const bestKey = new Float64Array(maxPoints).fill(-1);
    const bestAvail = new Float64Array(maxPoints);
    const bestFile = new Int32Array(maxPoints).fill(-1);
    const bestIndex = new Int32Array(maxPoints);
    files.forEach((f, fi) => {
      const { buf, times, systemOffsets } = f;
      for (let i = 0; i < times.length; i++) {
        const t = times[i]!;
        if (t < range.from || t > range.to) continue;
        const b = Math.min(maxPoints - 1, Math.floor((t - range.from) / width));
        const o = systemOffsets[i]!;
        const some = buf[o + 16]! | (buf[o + 17]! << 8);
        const full = buf[o + 18]! | (buf[o + 19]! << 8);
        // Higher full stall, then higher some stall, then less available memory is worse (0xFFFF = null ranks lowest).
        const key = (full === 0xffff ? 0 : full + 1) * 65536 + (some === 0xffff ? 0 : some + 1);
        const avail = buf.readUInt32LE(o + 46);
        if (key > bestKey[b]! || (key === bestKey[b]! && avail < bestAvail[b]!)) {
          bestKey[b] = key;
          bestAvail[b] = avail;
          bestFile[b] = fi;
          bestIndex[b] = i;
        }
      }
    });
    for (let b = 0; b < maxPoints; b++) {
      const fi = bestFile[b]!;
      if (fi === -1) continue;
      const f = files[fi]!;
      chosen.push({ t: f.times[bestIndex[b]!]!, buf: f.buf, off: f.systemOffsets[bestIndex[b]!]! });
    }
  }
  chosen.sort((a, b) => a.t - b.t);
  return {
    items: chosen.map((c) => decodeSystemPoint(c.buf, c.off)),
    events: [...events.values()].sort((a, b) => a.time - b.time),
    skipped,
    refused,
    lastTime,
  };
}

/** Full system samples and events in `range`, time-ordered. */
export function readSamples(dir: string, range: TimeRange): RangeRead<RecordedSample> {
  return readSystemRange(dir, range, decodeSystem);
}

/** Per-app rows in `range`, time-ordered (decoded from the keyframe chain of each segment). */
export function readApps(dir: string, range: TimeRange): RangeRead<RecordedApp> {
  const { segments, refused } = listSegments(dir);
  const items: RecordedApp[] = [];
  let skipped = 0;
  for (const seg of overlapping(segments, range)) {
    if (!seg.hasApps) continue;
    let buf: Buffer;
    try {
      buf = readStoreFile(join(dir, `${seg.stem}.apps`), MAX_SEGMENT_FILE_BYTES);
    } catch (err) {
      refused.push(err instanceof RecorderRefusal ? err.message : `${seg.stem}.apps could not be read (${errnoCode(err)}); it is skipped.`);
      continue;
    }
    const stats: ScanStats = { skipped: 0 };
    const defs = new Map<number, AppDef>();
    let previousRaw: Buffer | null = null;
    for (const f of readFrames(buf, undefined, stats)) {
      if (f.type === RecordType.appDef) {
        try {
          const def = JSON.parse(buf.subarray(f.start, f.end).toString('utf8')) as AppDef;
          if (Number.isInteger(def.i) && typeof def.id === 'string' && typeof def.name === 'string') defs.set(def.i, def);
        } catch {
          stats.skipped++;
        }
        continue;
      }
      if (f.type !== RecordType.apps) continue;
      const head = appsRecordHead(buf, f.start);
      try {
        // Every record is inflated (the next one needs it as its dictionary), even outside the range.
        previousRaw = inflateAppsRecord(buf, f.start, f.end, head.keyframe ? null : previousRaw);
      } catch {
        previousRaw = null;
        stats.skipped++;
        continue;
      }
      if (head.time < range.from || head.time > range.to) continue;
      try {
        items.push(...decodeAppsRaw(previousRaw, head.time, defs));
      } catch {
        stats.skipped++;
      }
    }
    skipped += stats.skipped;
  }
  items.sort((a, b) => a.t - b.t);
  return { items, events: [], skipped, refused };
}
