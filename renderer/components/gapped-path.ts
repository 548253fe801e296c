/** SVG path data for time series with gaps, shared by the charts drawn outside recharts. */

/**
 * `v` with one decimal, as `v.toFixed(1)` writes it ("51.0", "0.5", "-2.5"), built from two small
 * integers: the charts write about 1,400 coordinates a tick and toFixed is the slowest part of that.
 * (A value exactly halfway may round the other way than toFixed's exact decimal rounding: a tenth of
 * a pixel, invisible.)
 */
export function oneDecimal(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const n = Math.round(v * 10);
  const frac = n % 10;
  const whole = (n - frac) / 10;
  if (n >= 0) return `${whole}.${frac}`;
  return `${whole === 0 ? '-0' : whole}.${-frac}`;
}

/**
 * The path through the points whose value is known; a missing value (null) lifts the pen, so the
 * line breaks there as recharts' lines do, and so does a time gap longer than `maxGapMs` between
 * two points (nothing was sampled there: Headroom was not running, or was paused). Inside a horizontal run (the same y, as written) only
 * the run's first and last points are written: the line is the same, stroke, joins and dashes
 * included, and an idle machine's flat pressure, io and swap lines cost a few characters a tick
 * instead of hundreds of coordinates to build, parse and paint.
 */
export function gappedPath<P extends { t: number }>(
  points: readonly P[],
  valueOf: (p: P) => number | null,
  xOf: (p: P) => number,
  yOf: (v: number) => number,
  maxGapMs = Infinity,
): string {
  let d = '';
  let pen = false;
  let runY = '';
  // The newest point of the current horizontal run, written when the run ends.
  let pending = '';
  let lastT = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    const v = valueOf(p);
    const gap = p.t - lastT > maxGapMs;
    lastT = p.t;
    if (v === null || gap) {
      d += pending;
      pending = '';
      pen = false;
      if (v === null) continue;
    }
    const x = oneDecimal(xOf(p));
    const y = oneDecimal(yOf(v));
    if (pen && y === runY) {
      pending = `L${x} ${y}`;
      continue;
    }
    d += `${pending}${pen ? 'L' : 'M'}${x} ${y}`;
    pending = '';
    runY = y;
    pen = true;
  }
  return d + pending;
}
