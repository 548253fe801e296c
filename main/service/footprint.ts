/**
 * Footprint: what keeps Headroom's resident memory small for a process that runs all day. Applied once
 * by the service (createHeadroomService), before the sampler, guard and reap threads start, so both
 * shells get it: `headroom serve` (where the figure is measured) and the Electron main process (the
 * same calls; not measured: there is no Electron binary on the machine these figures come from).
 *
 * Where the memory was (serve, 2,000 processes, no window; docs/BENCHMARKS.md, "Footprint, second
 * pass"): ~41 MiB are the node binary's own pages (code and the start-up snapshot; 31 MiB for
 * `node -e` alone), ~50 MiB V8 pages of four isolates whose live data is only ~11 MiB (main) and
 * ~7 MiB (sampler) — the rest is garbage V8 lets accumulate because it grows heaps for speed — and
 * 6–20 MiB of malloc spread over 8 arenas. Hence:
 * - `--optimize-for-size`: V8 grows each heap by a smaller factor and compacts more, for every
 *   isolate of the process (it is read at each GC, so setting it after start-up works).
 * - two malloc arenas instead of 8 per core (native/malloc.ts).
 * The reap worker is the other saving: it loads only when a reap can come (main/reaper/in-process.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { limitMallocArenas } from '../../native/malloc';

/** V8 flags set at start-up (process-wide: the main isolate and every worker's). */
export const FOOTPRINT_V8_FLAGS = ['--optimize-for-size'] as const;
/** glibc arenas: one for the main thread, one shared by the workers. */
export const MALLOC_ARENAS = 2;

let applied: FootprintReport | null = null;

/** What applyFootprintLimits did. */
export interface FootprintReport {
  v8Flags: readonly string[];
  /** False where libc is not glibc: malloc was left as it is. */
  mallocArenasCapped: boolean;
}

/**
 * Set the V8 flags and the malloc arena cap; call before starting worker threads. Only the first call
 * does anything (the flags are process-wide); later ones return the same report.
 */
export function applyFootprintLimits(): FootprintReport {
  if (applied) return applied;
  for (const flag of FOOTPRINT_V8_FLAGS) setFlagsFromString(flag);
  applied = { v8Flags: FOOTPRINT_V8_FLAGS, mallocArenasCapped: limitMallocArenas(MALLOC_ARENAS) };
  return applied;
}
