/**
 * The time retention measures the history's age against. It is the wall clock, except that it never
 * runs ahead of the previous reading by more than the time that really passed since (CLOCK_BOOTTIME
 * from /proc/uptime, which counts suspend) plus a minute: one tick stamped two days ahead by a clock
 * set wrong for a moment deleted nearly all of the history (found by review; 1,800 samples → 362).
 * A clock set back is followed at once (that only keeps more). After a real jump forward the
 * history is kept longer than asked until Headroom restarts; the size cap still holds.
 */
import { readFileSync } from 'node:fs';

/** How far the wall clock may run ahead of the time that passed (NTP's small corrections). */
const SLACK_MS = 60_000;

/** Milliseconds since boot, suspend included (/proc/uptime); NaN when unreadable. */
export function readBootMs(): number {
  try {
    return Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** Retention's "now", from successive wall-clock readings. */
export class RetentionClock {
  private last: { wall: number; boot: number } | null = null;

  constructor(private readonly bootMs: () => number = readBootMs) {}

  /** The time to measure age against when the wall clock says `wall`. */
  now(wall: number): number {
    const boot = this.bootMs();
    if (this.last === null || !Number.isFinite(boot) || !Number.isFinite(this.last.boot)) {
      this.last = { wall, boot };
      return wall;
    }
    const now = Math.min(wall, this.last.wall + Math.max(0, boot - this.last.boot) + SLACK_MS);
    this.last = { wall: now, boot };
    return now;
  }
}
