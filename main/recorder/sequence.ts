/**
 * The order segments were made in, whatever the clock said. A segment's name carries the time of its
 * first record, and after the clock is set back (by hours, say) new segments are named earlier than
 * the ones before them: by name, the newest history looked oldest, and the size cap deleted it
 * first (found by review). So each segment's number (the name's last part) is also a sequence
 * across writers: a writer starts one past the highest number in the folder, from SEQUENCE_BASE on.
 * Segments made before this (numbers below the base, counted per process from 0) are older than
 * any numbered one, and among themselves ordered by their names' times as before.
 */
import type { SegmentInfo } from './segments';

/** The first number of the sequence; a store made before it holds only numbers far below. */
export const SEQUENCE_BASE = 1_000_000;

/** The number a writer starts at in a folder holding `segments`. */
export function nextSequence(segments: readonly SegmentInfo[]): number {
  let next = SEQUENCE_BASE;
  for (const seg of segments) if (seg.seq >= next) next = seg.seq + 1;
  return next;
}

/** Oldest first by when they were made: unnumbered (older stores) by their times, then numbered by number. */
export function byWriteOrder(a: SegmentInfo, b: SegmentInfo): number {
  const aSeq = a.seq >= SEQUENCE_BASE;
  const bSeq = b.seq >= SEQUENCE_BASE;
  if (aSeq !== bSeq) return aSeq ? 1 : -1;
  return aSeq ? a.seq - b.seq : a.start - b.start;
}
