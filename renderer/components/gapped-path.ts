/** SVG path data for time series with gaps, shared by the charts drawn outside recharts. */

/**
 * The path through the points whose value is known; a missing value (null) lifts the pen, so the
 * line breaks there as recharts' lines do.
 */
export function gappedPath<P>(points: readonly P[], valueOf: (p: P) => number | null, xOf: (p: P) => number, yOf: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    const v = valueOf(p);
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${xOf(p).toFixed(1)} ${yOf(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}
