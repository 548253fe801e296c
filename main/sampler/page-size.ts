/** The kernel page size, without a native call. */
import { readFileSync } from 'node:fs';

let cached: number | undefined;

/**
 * The page size in bytes: /proc/self/status VmRSS (kB) ÷ /proc/self/statm resident (pages), read
 * back to back and snapped to the nearest power of two (4 KiB on x86_64, 4/16/64 KiB on aarch64).
 */
export function pageSize(): number {
  if (cached !== undefined) return cached;
  cached = 4096;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const statmPages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
      const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))?.[1]);
      if (!(statmPages > 0 && rssKiB > 0)) continue;
      const size = 2 ** Math.round(Math.log2((rssKiB * 1024) / statmPages));
      if (size >= 4096 && size <= 65536) {
        cached = size;
        break;
      }
    }
  } catch {
    // keep 4096
  }
  return cached;
}
