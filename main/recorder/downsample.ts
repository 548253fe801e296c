/**
 * Downsampling for drawing: a day at 1 Hz is 86,400 points, a chart is ~1,000 pixels wide. The range
 * is cut into equal time buckets and each bucket keeps its worst moment — the point with the highest
 * memory stall (full, then some), or with the least available memory when there was no stall — so a
 * ten-second freeze in a day stays visible as a spike instead of being averaged away.
 */
import type { HistoryPoint } from '../../contract/history';

function worse(a: HistoryPoint, b: HistoryPoint): boolean {
  const af = a.memFullPct ?? -1;
  const bf = b.memFullPct ?? -1;
  if (af !== bf) return af > bf;
  const as = a.memSomePct ?? -1;
  const bs = b.memSomePct ?? -1;
  if (as !== bs) return as > bs;
  return a.availableBytes < b.availableBytes;
}

/** At most `maxPoints` points over [from, to], each the worst of its bucket; input must be time-ordered. */
export function downsampleWorst(points: readonly HistoryPoint[], from: number, to: number, maxPoints: number): HistoryPoint[] {
  if (points.length <= maxPoints) return [...points];
  const span = Math.max(1, to - from + 1);
  const width = span / maxPoints;
  const out: HistoryPoint[] = [];
  let bucket = -1;
  let best: HistoryPoint | null = null;
  for (const p of points) {
    const b = Math.min(maxPoints - 1, Math.floor((p.t - from) / width));
    if (b !== bucket) {
      if (best) out.push(best);
      bucket = b;
      best = p;
    } else if (worse(p, best!)) {
      best = p;
    }
  }
  if (best) out.push(best);
  return out;
}
