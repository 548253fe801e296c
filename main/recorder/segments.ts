/**
 * The store's segment files as they are on disk: a segment is a pair of files named after the time
 * of its first record (`seg-<ms>-<pid>-<n>.sys` / `.apps`), so a range read opens only the segments
 * that can overlap it (a segment ends where the next one begins). Files that are not regular, not
 * the person's own or larger than any segment can be are skipped and said.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, lstatOrNull } from './safe-fs';

/** No segment file may be larger than this (the writer rotates far below it). */
export const MAX_SEGMENT_FILE_BYTES = 256 * 1024 * 1024;

/** A segment pair on disk. */
export interface SegmentInfo {
  stem: string;
  /** Time of its first record (from the name). */
  start: number;
  pid: number;
  /** The writer's number for it (the name's last part): from SEQUENCE_BASE on, the order segments were made in (sequence.ts). */
  seq: number;
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
    const m = /^(seg-(\d{13})-(\d+)-(\d+))\.(sys|apps)$/.exec(name);
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
    if (!seg) byStem.set(stem, (seg = { stem, start: Number(m[2]), pid: Number(m[3]), seq: Number(m[4]), sysBytes: 0, appsBytes: 0, hasApps: false, mtimeMs: 0, end: Infinity }));
    if (m[5] === 'sys') {
      seg.sysBytes = info.size;
      seg.mtimeMs = info.mtimeMs;
    }
    else {
      seg.appsBytes = info.size;
      seg.hasApps = true;
    }
  }
  // Same start: by pid, then by the writer's counter as numbers (…-9 before …-10), so the later of two copies of an event is read last.
  const segments = [...byStem.values()].sort((a, b) => a.start - b.start || a.stem.localeCompare(b.stem, 'en', { numeric: true }));
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
