/** Plain-words rendering of reap results, for the CLI (and anyone who needs a one-line summary). */
import { visibleControls } from '../../contract/display-name';
import type { ReapResult } from '../../contract/reap';

/** 2254857830 → "2.1 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/**
 * One sentence for one result, e.g. "Reaped firefox (PID 1234): freed 2.1 GiB in 84 ms
 * (process_mrelease).", for a terminal: the process's name (and any name quoted in the message)
 * with its control characters shown as codes, so a name cannot send a terminal escape sequence.
 */
export function describeResult(result: ReapResult): string {
  return visibleControls(sentenceFor(result));
}

function sentenceFor(result: ReapResult): string {
  const who = `${result.name || 'process'} (PID ${result.pid})`;
  if (!result.ok) return `Could not end ${who}: ${result.error?.message ?? 'unknown error'}`;
  const note = result.note ? ` ${result.note}` : '';
  const swap = result.swapFreedBytes > 0 ? ` and ${formatBytes(result.swapFreedBytes)} of swap` : '';
  switch (result.method) {
    case 'mrelease': {
      const ms = result.memoryBackMs ?? result.goneMs ?? 0;
      return `Reaped ${who}: freed ${formatBytes(result.freedBytes)}${swap} in ${Math.round(ms)} ms (process_mrelease).${note}`;
    }
    case 'kill-only':
      return `Killed ${who}: ${formatBytes(result.freedBytes)}${swap} will be freed as it exits.${note}`;
    case 'term':
      return `Ended ${who} with SIGTERM: it exited after ${Math.round(result.goneMs ?? 0)} ms, freeing ${formatBytes(result.freedBytes)}${swap}.${note}`;
    default:
      return `${who} is gone.${note}`;
  }
}
