/**
 * The charts' shared time axis: a window ending at the newest sample, ticks at round steps back
 * from it, labelled relative to now ("−2 min", "now") because that is what a live graph is read as.
 */

export interface TimeWindow {
  from: number;
  to: number;
}

function stepFor(windowMs: number): number {
  if (windowMs <= 60_000) return 15_000;
  if (windowMs <= 300_000) return 60_000;
  return 120_000;
}

/** Tick positions from `to` back to `from`, oldest first. */
export function timeTicks(w: TimeWindow): number[] {
  const step = stepFor(w.to - w.from);
  const ticks: number[] = [];
  for (let t = w.to; t >= w.from; t -= step) ticks.unshift(t);
  return ticks;
}

/** A tick's label relative to the window's end. */
export function relativeTimeLabel(t: number, to: number): string {
  const s = Math.round((to - t) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `\u2212${s} s`;
  return `\u2212${Math.round(s / 60)} min`;
}
