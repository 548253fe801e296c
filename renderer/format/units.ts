/**
 * Readable units for the window: bytes as KiB/MiB/GiB with one decimal, durations in ms or s,
 * percentages with one decimal. Pure functions so every place shows a value the same way.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Bytes as "512 KiB", "12.3 MiB" or "2.1 GiB". */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (abs >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (abs >= KiB) return `${Math.round(bytes / KiB)} KiB`;
  return `${bytes} B`;
}

/** A growth rate in MiB/s with its sign ("+12.3 MiB/s", "−0.4 MiB/s"); "0 MiB/s" below 0.05. */
export function formatGrowth(bytesPerSec: number): string {
  const mibps = bytesPerSec / MiB;
  if (Math.abs(mibps) < 0.05) return '0 MiB/s';
  // U+2212 MINUS SIGN: the same width as "+", so the column lines up.
  return `${mibps > 0 ? '+' : '\u2212'}${Math.abs(mibps).toFixed(1)} MiB/s`;
}

/** A duration: "0.4 ms", "84 ms", "1.2 s". */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A percentage with one decimal: "12.3%". */
export function formatPct(pct: number): string {
  return `${pct.toFixed(1)}%`;
}

/** Bytes as GiB numbers for the memory chart's axis. */
export function toGiB(bytes: number): number {
  return bytes / GiB;
}

/** A reap marker's label on the chart: "<app> −1.2 GiB". */
export function markerLabel(label: string, freedBytes: number): string {
  return `${label} \u2212${formatBytes(freedBytes)}`;
}

/** What the chart says about a reap's recovery: "Recovered in 420 ms", "Recovered in 1.5 s" or "measuring…". */
export function recoveryText(recoveredMs: number | null): string {
  return recoveredMs === null ? 'measuring\u2026' : `Recovered in ${formatMs(recoveredMs)}`;
}
