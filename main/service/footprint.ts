/**
 * Footprint: what keeps Headroom's resident memory small for a process that runs all day. Applied once
 * by the service (createHeadroomService), before the sampler, guard and reap threads start, so both
 * shells get it: `headroom serve` (where the figure is measured) and the Electron main process (the
 * same call; not measured: there is no Electron binary on the machine these figures come from).
 *
 * Where the memory was (serve, 2,000 processes, no window; docs/BENCHMARKS.md, "Footprint, second
 * pass"): ~41 MiB are the node binary's own pages (code and the start-up snapshot; 31 MiB for
 * `node -e` alone), ~50 MiB V8 pages of four isolates whose live data is only ~11 MiB (main: zod and
 * the contract, the snapshots) and ~7 MiB (sampler) — the rest is garbage and young generations V8
 * keeps because it sizes heaps for speed — and 6–20 MiB of malloc spread over 8 arenas. Hence:
 * - two malloc arenas instead of 8 per core (native/malloc.ts): one for the main thread, one shared
 *   by the workers, which allocate little outside V8.
 * - the reap worker loads only when a reap can come (main/reaper/in-process.ts): −1 isolate headless.
 * Third pass ("Footprint, third pass (lean)"): two isolates headless instead of three, and no zod —
 * - the guard's PSI trigger wait has no worker isolate: poll(2) runs through koffi's async call on a
 *   libuv pool thread, woken by an eventfd (main/guard/trigger-watch.ts);
 * - zod and the contract's schemas load with the first thing that needs them (a window's first
 *   message, a reap, events read back, a settings file to parse; main/lazy-module.ts), the values
 *   main needs before that are in contract/plain.ts. With a settings file zod loads at start.
 * Together −13.5 / −15 MiB in two ten-minute soaks (98.1 vs 111.6 and 87.9 vs 102.9 MiB mean, 2,000
 * processes): still ~90–100 MiB, not 60. What is left (per isolate, v8.getHeapStatistics and
 * mallinfo2 in the same run): the node binary's pages ~44 MiB (29 for bare `node`), the sampler worker's heap 20–30 MiB physical (10–18
 * live, more with more processes), the main heap ~16 MiB (13 live: the process rows of the snapshot,
 * module code), malloc ~11 MiB of which ~7 free. Tried and left out in that pass: the sampler
 * worker's `maxOldGenerationSizeMb` (256/512, which also lowers V8's heap growing factor) and a
 * malloc_trim(0) every 30 s — neither moved RSS beyond the ±15 MiB minute-to-minute noise.
 * Lead, after the third pass ("Footprint, lead"): the executable's start-up pages are unmapped once,
 * a minute after start (scheduleCodePagesDrop; they stay in the page cache, shared and clean).
 * Sixth pass: and once more a minute after a window's first call (headroom-service.ts).
 * Seventh pass: when zod loads (a window, a reap, a settings file at start), it is a tree-shaken
 * bundle of the part the contract uses (contract/zod.ts): +5.9 instead of +14 MiB for the contract.
 * Fourth pass ("Footprint, fourth pass (slim)"): malloc's trim and mmap thresholds are fixed at
 * glibc's start values (native/malloc.ts). glibc raised them at start-up, after which the four arenas
 * of V8's platform threads (made before any mallopt) kept ~3 MiB of free top each, resident:
 * −11 to −22 MiB RSS and anonymous memory at every reading of a side-by-side run, same CPU.
 * Measured and left out (second pass): V8's `--optimize-for-size` (set at run time, it applies to
 * every isolate) took 15–20 MiB off, but cost 17–22 % more CPU in each of four same-run comparisons (e.g. 4.28 % vs
 * 3.51 % of a core), and the steady cost (issue 11, goal 1) must not get worse. Turning it off again
 * once the workers had started kept none of the saving. `--heap-growing-percent`,
 * `--semi-space-growth-factor=1` and a full GC every 10–30 s in every isolate moved nothing beyond
 * the noise (±10 MiB between minutes).
 */
import { dropCodePages, type CodePagesReport } from '../../native/code-pages';
import { fixMallocThresholds, limitMallocArenas } from '../../native/malloc';

/** When the executable's start-up pages are unmapped: once the sampler, guard and recorder have warmed up. */
export const CODE_PAGES_DROP_AFTER_MS = 60_000;

/**
 * Unmap the executable's cold start-up pages, `afterMs` from now (native/code-pages.ts): ~36 MiB
 * of node's text and read-only data are resident after start, of which the steady state maps ~15 MiB
 * again. The service does it a minute after its start, and once more a minute after a window's first
 * call: a window's own start-up (zod and the contract, the socket's and the encoder's first runs) maps
 * ~13 MiB more that its steady state does not touch again (docs/BENCHMARKS.md, "Sixth pass": 74 vs
 * 91 MiB ten minutes after a window opened). Never periodically, so the RSS measured later is what
 * the running service really maps.
 * Returns the cancel; `done` gets the report (for tests and the benchmark).
 */
export function scheduleCodePagesDrop(afterMs = CODE_PAGES_DROP_AFTER_MS, done?: (report: CodePagesReport) => void): () => void {
  const timer = setTimeout(() => {
    const report = dropCodePages();
    done?.(report);
  }, afterMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/** glibc arenas: one for the main thread, one shared by the workers. */
export const MALLOC_ARENAS = 2;
/** glibc's start values for the trim and mmap thresholds, kept from then on (native/malloc.ts). */
export const MALLOC_TRIM_THRESHOLD = 128 * 1024;
export const MALLOC_MMAP_THRESHOLD = 128 * 1024;

let applied: FootprintReport | null = null;

/** What applyFootprintLimits did. */
export interface FootprintReport {
  /** False where libc is not glibc: malloc was left as it is. */
  mallocArenasCapped: boolean;
  /** The trim and mmap thresholds are fixed (false where libc is not glibc). */
  mallocThresholdsFixed: boolean;
}

/**
 * Cap the malloc arenas and fix malloc's trim and mmap thresholds; call before starting worker threads. Only the first call does anything (the
 * cap is process-wide); later ones return the same report.
 */
export function applyFootprintLimits(): FootprintReport {
  if (applied) return applied;
  applied = {
    mallocArenasCapped: limitMallocArenas(MALLOC_ARENAS),
    mallocThresholdsFixed: fixMallocThresholds(MALLOC_TRIM_THRESHOLD, MALLOC_MMAP_THRESHOLD),
  };
  return applied;
}
