/** Turns cumulative PSI `total` counters into the stall share of the last tick. */
import type { PsiLine, PsiResource } from '../../contract/snapshot';
import type { PsiLineRaw, PsiRaw } from './parse/psi';

interface Previous {
  someUs: number;
  fullUs: number | null;
  atUs: number;
}

/** Remembers the previous totals per source (e.g. "memory", "cg:/app.slice/x.scope"). */
export class PsiTicks {
  private previous = new Map<string, Previous>();
  private seen = new Set<string>();

  /** The resource with tickPct filled in from the previous call for the same key; null on the first. */
  resolve(key: string, raw: PsiRaw, atUs: number): PsiResource {
    const prev = this.previous.get(key);
    this.previous.set(key, { someUs: raw.some.totalUs, fullUs: raw.full?.totalUs ?? null, atUs });
    this.seen.add(key);
    const elapsedUs = prev ? atUs - prev.atUs : 0;
    return {
      some: withTick(raw.some, prev ? prev.someUs : null, elapsedUs),
      full: raw.full ? withTick(raw.full, prev ? prev.fullUs : null, elapsedUs) : null,
    };
  }

  /** Forget sources not resolved since the last sweep (apps that went away). */
  sweep(): void {
    for (const key of this.previous.keys()) if (!this.seen.has(key)) this.previous.delete(key);
    this.seen.clear();
  }
}

function withTick(line: PsiLineRaw, prevTotalUs: number | null, elapsedUs: number): PsiLine {
  let tickPct: number | null = null;
  // A total that went backwards means a new cgroup under the same path: no share this tick.
  if (prevTotalUs !== null && elapsedUs > 0 && line.totalUs >= prevTotalUs) {
    tickPct = Math.min(100, ((line.totalUs - prevTotalUs) / elapsedUs) * 100);
  }
  return { ...line, tickPct };
}
