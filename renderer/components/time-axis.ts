/**
 * The charts' shared time axis. x is relative: milliseconds before the newest sample (≤ 0), so
 * the axis domain, ticks and labels stay the same object while the window scrolls — recharts only
 * sees the data change, which is what keeps an update cheap. Labels read as a live graph is read:
 * "−2 min", "now".
 */

function stepFor(windowMs: number): number {
  if (windowMs <= 60_000) return 15_000;
  if (windowMs <= 300_000) return 60_000;
  if (windowMs <= 600_000) return 120_000;
  // The recorder's longer ranges: about six ticks each.
  if (windowMs <= 3_600_000) return 600_000;
  if (windowMs <= 6 * 3_600_000) return 3_600_000;
  return 4 * 3_600_000;
}

/** Tick positions from −windowMs to 0, oldest first. */
export function timeTicks(windowMs: number): number[] {
  const step = stepFor(windowMs);
  const ticks: number[] = [];
  for (let t = 0; t >= -windowMs; t -= step) ticks.unshift(t);
  return ticks;
}

/** A tick's label: "now", "−15 s", "−2 min", "−4 h". */
export function relativeTimeLabel(x: number): string {
  const s = Math.round(-x / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `\u2212${s} s`;
  if (s < 3600 || s % 3600 !== 0) return `\u2212${Math.round(s / 60)} min`;
  return `\u2212${s / 3600} h`;
}
