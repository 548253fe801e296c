/**
 * The reading side of the store, used by the writer's own process and by followers alike: it never
 * takes the lock, it only reads files whose records are framed and checksummed, so it can read while
 * a writer appends (a half-written last record is simply skipped until it is whole).
 *
 * A range read opens only the segments that can overlap it (segments.ts) and takes their system
 * records from the decode cache (sys-cache.ts).
 */
import { join } from 'node:path';
import type { HistoryPoint } from '../../contract/history';
import type { RecordedApp, RecordedEvent, RecordedSample } from '../../contract/record';
import { appsRecordHead, decodeAppsRaw, decodeSystem, decodeSystemPoint, inflateAppsRecord, type AppDef } from './codec';
import { FRAME_HEADER_BYTES, readFrames, RecordType, type ScanStats } from './frame';
import { errnoCode, readStoreFile, RecorderRefusal } from './safe-fs';
import { listSegments, MAX_SEGMENT_FILE_BYTES, type SegmentInfo } from './segments';
import { decodeSysFile, eventsOf, forgetUnlisted, type DecodedSys } from './sys-cache';
import { unstoredPoints } from './unstored';

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

/** The folder's segments; the decode cache forgets those no longer there (another process's retention). */
function listForRead(dir: string): { segments: SegmentInfo[]; refused: string[] } {
  const listed = listSegments(dir);
  forgetUnlisted(dir, listed.segments);
  return listed;
}

/** What a segment-by-segment read of system records skipped and refused, and the events it met. */
export interface SystemReadStats {
  skipped: number;
  refused: string[];
  /** By time, kind and label: a marker re-recorded when its recovery is measured keeps its last copy. */
  events: Map<string, RecordedEvent>;
}

/** A fresh SystemReadStats. */
export function systemReadStats(): SystemReadStats {
  return { skipped: 0, refused: [], events: new Map() };
}

/**
 * The system records in `range`, one segment at a time, each batch time-ordered (its records with
 * their times); `decode` null reads only the events. A reader of a long range holds one segment (an
 * hour) at once: 31 days collected took over a gigabyte (found by review).
 */
function* systemBySegment<T>(dir: string, range: TimeRange, decode: ((buf: Buffer, offset: number) => T) | null, out: SystemReadStats): Generator<Array<{ t: number; item: T }>> {
  const { segments, refused } = listForRead(dir);
  out.refused.push(...refused);
  for (const seg of overlapping(segments, range)) {
    let decoded: DecodedSys;
    try {
      decoded = decodeSysFile(join(dir, `${seg.stem}.sys`));
    } catch (err) {
      if (err instanceof RecorderRefusal) out.refused.push(err.message);
      else if (errnoCode(err) !== 'ENOENT') out.refused.push(`${seg.stem}.sys could not be read (${errnoCode(err)}); it is skipped.`);
      continue;
    }
    out.skipped += decoded.skipped;
    for (const e of eventsOf(decoded)) {
      if (e.time >= range.from && e.time <= range.to) out.events.set(`${e.time}|${e.kind}|${e.label}`, e);
    }
    if (!decode) continue;
    const { times, systemOffsets, buf } = decoded;
    const stamped: Array<{ t: number; item: T }> = [];
    let ordered = true;
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (t < range.from || t > range.to) continue;
      if (stamped.length > 0 && t < stamped[stamped.length - 1]!.t) ordered = false;
      stamped.push({ t, item: decode(buf, systemOffsets[i]!) });
    }
    if (!ordered) stamped.sort((a, b) => a.t - b.t);
    if (stamped.length > 0) yield stamped;
  }
}

/** Full system samples in `range`, a segment at a time (see systemBySegment); events gathered in `out`. */
export function* samplesBySegment(dir: string, range: TimeRange, out: SystemReadStats): Generator<RecordedSample[]> {
  for (const batch of systemBySegment(dir, range, decodeSystem, out)) yield batch.map((s) => s.item);
}

/** The events in `range`, time-ordered, without decoding the samples. */
export function readEvents(dir: string, range: TimeRange): RangeRead<RecordedEvent> {
  const out = systemReadStats();
  // Only the events are gathered: with no decoder, no batch is yielded.
  for (const batch of systemBySegment(dir, range, null, out)) void batch;
  const events = [...out.events.values()].sort((a, b) => a.time - b.time);
  return { items: events, events, skipped: out.skipped, refused: out.refused };
}

function readSystemRange<T>(dir: string, range: TimeRange, decode: (buf: Buffer, offset: number) => T): RangeRead<T> {
  const out = systemReadStats();
  const stamped: Array<{ t: number; item: T }> = [];
  for (const batch of systemBySegment(dir, range, decode, out)) {
    // Segments overlap only after the clock was set back: then the whole range is sorted.
    const overlaps = stamped.length > 0 && batch[0]!.t < stamped[stamped.length - 1]!.t;
    for (const s of batch) stamped.push(s);
    if (overlaps) stamped.sort((a, b) => a.t - b.t);
  }
  return { items: stamped.map((s) => s.item), events: [...out.events.values()].sort((a, b) => a.time - b.time), skipped: out.skipped, refused: out.refused };
}

/** Graph points and events in `range`, time-ordered. */
export function readPoints(dir: string, range: TimeRange): RangeRead<HistoryPoint> {
  return readSystemRange(dir, range, decodeSystemPoint);
}

/** What readPointsWorst found: at most maxPoints points, time-ordered, and the given points the store lacks. */
export interface WorstRead extends RangeRead<HistoryPoint> {
  /** Of the points passed as `memory`, those at moments no stored record covers, time-ordered. */
  unstored: HistoryPoint[];
}

/** The points of memory (one process's ring, one tick apart) and its tick interval. */
export interface MemoryPoints {
  points: readonly HistoryPoint[];
  intervalMs: number;
}

/**
 * Graph points in `range`, at most `maxPoints`: all of them when they fit, else each time bucket's
 * worst moment (downsample.ts's rule). Buckets are chosen from three fields read straight from the
 * buffers, and only the chosen records are decoded, so a day costs a pass over its times, not 86,400
 * objects. With `memory`, also says which of those points the store lacks (unstored.ts).
 */
export function readPointsWorst(dir: string, range: TimeRange, maxPoints: number, memory?: MemoryPoints): WorstRead {
  const { segments, refused } = listForRead(dir);
  const files: DecodedSys[] = [];
  const events = new Map<string, RecordedEvent>();
  let skipped = 0;
  let count = 0;
  for (const seg of overlapping(segments, range)) {
    try {
      const decoded = decodeSysFile(join(dir, `${seg.stem}.sys`));
      files.push(decoded);
      const fileEvents = eventsOf(decoded);
      skipped += decoded.skipped;
      for (const t of decoded.times) {
        if (t >= range.from && t <= range.to) count++;
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
    unstored: memory ? unstoredPoints(files, memory.points, memory.intervalMs) : [],
  };
}

/** Full system samples and events in `range`, time-ordered. */
export function readSamples(dir: string, range: TimeRange): RangeRead<RecordedSample> {
  return readSystemRange(dir, range, decodeSystem);
}

/** What reading per-app rows skipped and refused, filled in as segments are read. */
export interface AppsReadStats {
  skipped: number;
  refused: string[];
}

/**
 * Per-app rows in `range`, one record (one tick's rows, at most MAX_APPS_PER_RECORD) at a time, in
 * the order written (decoded from the keyframe chain of its segment), so a reader of a long range
 * holds one tick's rows at once, not all of them (24 h of 50 apps at 1 Hz took 1.9 GB when collected,
 * and a crafted 43 KB file of 100,000-row records a segment took the reader out of memory: found by
 * review). A damaged record costs the rows up to the next keyframe (at most KEYFRAME_EVERY ticks),
 * never wrong rows.
 */
export function* appsByTick(dir: string, range: TimeRange, out: AppsReadStats): Generator<RecordedApp[]> {
  const { segments, refused } = listSegments(dir);
  out.refused.push(...refused);
  for (const seg of overlapping(segments, range)) {
    if (!seg.hasApps) continue;
    let buf: Buffer;
    try {
      buf = readStoreFile(join(dir, `${seg.stem}.apps`), MAX_SEGMENT_FILE_BYTES);
    } catch (err) {
      out.refused.push(err instanceof RecorderRefusal ? err.message : `${seg.stem}.apps could not be read (${errnoCode(err)}); it is skipped.`);
      continue;
    }
    const stats: ScanStats = { skipped: 0 };
    const defs = new Map<number, AppDef>();
    let previousRaw: Buffer | null = null;
    let followsFrom = 0;
    for (const f of readFrames(buf, undefined, stats)) {
      // Bytes were skipped before this record (damage): the block before them is not this record's
      // dictionary, and inflating against it can "succeed" with wrong rows. Wait for the next keyframe.
      if (f.start - FRAME_HEADER_BYTES !== followsFrom) previousRaw = null;
      followsFrom = f.end;
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
      // Written so that a NaN time (a damaged record) is outside every range.
      if (!(head.time >= range.from && head.time <= range.to)) continue;
      let rows: RecordedApp[];
      try {
        rows = decodeAppsRaw(previousRaw, head.time, defs);
      } catch {
        // A block that inflates but does not parse is wrong: it must not be the next one's dictionary.
        previousRaw = null;
        stats.skipped++;
        continue;
      }
      if (rows.length > 0) {
        // Counted before the consumer runs: it may stop after any batch.
        out.skipped += stats.skipped;
        stats.skipped = 0;
        yield rows;
      }
    }
    out.skipped += stats.skipped;
  }
}

/** Per-app rows in `range`, time-ordered (appsByTick, collected). */
export function readApps(dir: string, range: TimeRange): RangeRead<RecordedApp> {
  const out: AppsReadStats = { skipped: 0, refused: [] };
  const items: RecordedApp[] = [];
  for (const batch of appsByTick(dir, range, out)) for (const item of batch) items.push(item);
  items.sort((a, b) => a.t - b.t);
  return { items, events: [], skipped: out.skipped, refused: out.refused };
}
