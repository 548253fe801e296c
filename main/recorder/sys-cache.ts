/**
 * The decoded system records of each `.sys` file, cached per file and revalidated by size: sealed
 * segments never change, so scrubbing back and forth over 24 h decodes each file once. Event records
 * are found on decode but parsed only when a history read asks (eventsOf). Files deleted by this
 * process's retention are forgotten at once (forgetCached); files deleted by another process (the
 * writer's retention, seen from a follower) are forgotten at the next listing of the folder
 * (forgetUnlisted), so the cache holds at most what is on disk, and at most MAX_CACHE_BYTES of it.
 */
import { closeSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RecordedEvent } from '../../contract/record';
import { lazyModule } from '../lazy-module';
import { SYSTEM_BYTES, validTime } from './codec';
import { readFrames, RecordType, type ScanStats } from './frame';
import { openStoreFile } from './safe-fs';
import { listSegments, MAX_SEGMENT_FILE_BYTES, type SegmentInfo } from './segments';

// The events' schema (zod) loads when events are first read, not at start (lazy-module.ts).
const recordContract = lazyModule<typeof import('../../contract/record')>('contract/record');

/** One decoded `.sys` file. */
export interface DecodedSys {
  size: number;
  buf: Buffer;
  /** Byte offsets of system records (payload starts), time-ordered as written. */
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
export function eventsOf(decoded: DecodedSys): RecordedEvent[] {
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

/**
 * The cache holds at most this many bytes of files, least recently used first out. A day at the
 * default settings is ~10 MiB; the settings allow 31 days at 4 ticks a second (over 1 GB), which
 * a memory-pressure tool must not keep in its heap (found by review).
 */
let MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** Set the cache's size limit (tests use a small one); returns the previous limit. */
export function setCacheLimit(bytes: number): number {
  const previous = MAX_CACHE_BYTES;
  MAX_CACHE_BYTES = bytes;
  return previous;
}

/** Insertion order is use order: a hit moves its file to the end. */
const cache = new Map<string, DecodedSys>();
let cachedBytes = 0;

function remember(path: string, decoded: DecodedSys): void {
  forget(path);
  cache.set(path, decoded);
  cachedBytes += decoded.size;
  for (const [oldest, entry] of cache) {
    if (cachedBytes <= MAX_CACHE_BYTES || oldest === path) break;
    cache.delete(oldest);
    cachedBytes -= entry.size;
  }
}

function forget(path: string): void {
  const entry = cache.get(path);
  if (!entry) return;
  cache.delete(path);
  cachedBytes -= entry.size;
}

/** Whether `bytes` more fit without evicting (a warm-up stops where they do not). */
function hasRoomFor(bytes: number): boolean {
  return cachedBytes + bytes <= MAX_CACHE_BYTES;
}
const WANT_SYS = new Set<number>([RecordType.system, RecordType.event]);

/** The decoded system records of one `.sys` file, from the cache while its size is unchanged. */
export function decodeSysFile(path: string): DecodedSys {
  const { fd, size } = openStoreFile(path, MAX_SEGMENT_FILE_BYTES);
  const hit = cache.get(path);
  let buf: Buffer;
  try {
    if (hit && hit.size === size) {
      // Used: to the end of the eviction order.
      remember(path, hit);
      return hit;
    }
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
  const systemTimes: number[] = [];
  const eventFrames: { start: number; end: number }[] = [];
  for (const f of frames) {
    if (f.type === RecordType.system) {
      // A record whose time is no time (NaN from a crafted or damaged file) is skipped like a damaged one.
      const t = f.end - f.start >= SYSTEM_BYTES ? buf.readDoubleLE(f.start) : Number.NaN;
      if (validTime(t)) {
        systemOffsets.push(f.start);
        systemTimes.push(t);
      } else {
        stats.skipped++;
      }
    } else {
      eventFrames.push({ start: f.start, end: f.end });
    }
  }
  const times = Float64Array.from(systemTimes);
  const decoded: DecodedSys = { size: buf.length, buf, systemOffsets, times, eventFrames, events: null, skipped: stats.skipped };
  remember(path, decoded);
  return decoded;
}

/**
 * Read and cache the system records of every segment, one file per macrotask, so the first range
 * query of the window finds them decoded (a day is ~24 files of ~0.45 MiB, each a few ms to check).
 * Returns a function that stops the warm-up.
 */
export function warmCache(dir: string, done?: () => void): () => void {
  let stopped = false;
  let pending: SegmentInfo[];
  try {
    const { segments } = listSegments(dir);
    forgetUnlisted(dir, segments);
    pending = [...segments];
  } catch {
    pending = [];
  }
  const next = (): void => {
    if (stopped) return;
    // Newest first; stop before the cache would overflow, so older files do not push the newest out.
    const seg = pending.pop();
    const path = seg ? join(dir, `${seg.stem}.sys`) : '';
    if (seg === undefined || (!cache.has(path) && !hasRoomFor(seg.sysBytes))) {
      done?.();
      return;
    }
    try {
      decodeSysFile(path);
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
  for (const p of paths) forget(p);
}

/** Forget cached decodes of `dir`'s files that `listed` (a fresh listSegments of `dir`) no longer has: deleted by another process or by hand. */
export function forgetUnlisted(dir: string, listed: readonly SegmentInfo[]): void {
  const folder = dirname(join(dir, 'x'));
  const kept = new Set(listed.map((s) => join(dir, `${s.stem}.sys`)));
  for (const path of [...cache.keys()]) if (dirname(path) === folder && !kept.has(path)) forget(path);
}

/** The files whose decodes are cached now (for tests and diagnostics). */
export function cachedPaths(): string[] {
  return [...cache.keys()];
}
