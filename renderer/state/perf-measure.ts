/**
 * The window's performance measures (`hr:update`, `hr:range`) for the benchmarks, without a leak.
 * Chromium keeps every user-timing entry in the page's performance buffer for as long as the page
 * lives (no buffer limit, unlike resource timing): one `hr:update` a tick is 86,400 entries a day,
 * ~30 MiB a day of renderer memory measured here. So each measure is cleared from the buffer right
 * after it is taken, with its start mark; a PerformanceObserver (what the benchmarks use) still
 * receives every entry, because observers are told when an entry is made, not from the buffer.
 */

/** Measure `name` from the mark `startMark` to now, then drop both from the page's buffer. */
export function measureAndForget(name: string, startMark: string, detail?: unknown): void {
  try {
    performance.measure(name, detail === undefined ? startMark : { start: startMark, detail });
  } catch {
    // The mark is gone (cleared elsewhere): nothing to measure.
  }
  performance.clearMarks(startMark);
  performance.clearMeasures(name);
}
