/** Time-series lines with gaps, traced onto a canvas (or written as SVG path data), shared by the charts. */

/**
 * `v` with one decimal, as `v.toFixed(1)` writes it ("51.0", "0.5", "-2.5"), built from two small
 * integers (toFixed is slow; pathData writes hundreds of coordinates for a line).
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

/** Where a traced line goes: a canvas context (moveTo/lineTo), or pathData's writer. */
export interface Pen {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/**
 * Trace the line through the points whose value is known; a missing value (null) lifts the pen, so
 * the line breaks there as recharts' lines do. Inside a horizontal run (the same y to a tenth of a
 * pixel) only the run's first and last points are traced: the line is the same, stroke, joins and
 * dashes included, and an idle machine's flat pressure, io and swap lines cost a few calls a tick
 * instead of hundreds.
 */
export function traceGapped<P>(points: readonly P[], valueOf: (p: P) => number | null, xOf: (p: P) => number, yOf: (v: number) => number, pen: Pen): void {
  let down = false;
  let runY = 0;
  // The newest point of the current horizontal run, traced when the run ends.
  let pending = false;
  let px = 0;
  let py = 0;
  for (const p of points) {
    const v = valueOf(p);
    if (v === null) {
      if (pending) pen.lineTo(px, py);
      pending = false;
      down = false;
      continue;
    }
    const x = xOf(p);
    const y = yOf(v);
    const tenths = Math.round(y * 10);
    if (down && tenths === runY) {
      pending = true;
      px = x;
      py = y;
      continue;
    }
    if (pending) pen.lineTo(px, py);
    pending = false;
    if (down) pen.lineTo(x, y);
    else pen.moveTo(x, y);
    runY = tenths;
    down = true;
  }
  if (pending) pen.lineTo(px, py);
}

/** The SVG path data of what `trace` draws, one decimal per coordinate ("M0.0 1.0L2.0 1.0"). */
export function pathData(trace: (pen: Pen) => void): string {
  let d = '';
  trace({
    moveTo: (x, y) => (d += `M${oneDecimal(x)} ${oneDecimal(y)}`),
    lineTo: (x, y) => (d += `L${oneDecimal(x)} ${oneDecimal(y)}`),
  });
  return d;
}
