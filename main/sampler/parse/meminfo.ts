/** Parser for /proc/meminfo. */
import { toCount, type Parsed } from './result';

/** The meminfo fields Headroom shows, in bytes. */
export interface MeminfoRaw {
  totalBytes: number;
  availableBytes: number;
  freeBytes: number;
  cachedBytes: number;
  dirtyBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

const FIELDS: Record<string, keyof MeminfoRaw> = {
  MemTotal: 'totalBytes',
  MemAvailable: 'availableBytes',
  MemFree: 'freeBytes',
  Cached: 'cachedBytes',
  Dirty: 'dirtyBytes',
  SwapTotal: 'swapTotalBytes',
  SwapFree: 'swapFreeBytes',
};

/**
 * Parse /proc/meminfo ("Key:   1234 kB" lines). Fields it cannot find stay 0 and count as
 * malformed, except that MemAvailable (absent before 3.14) falls back to MemFree + Cached.
 */
export function parseMeminfo(text: string): Parsed<MeminfoRaw> {
  const value: MeminfoRaw = {
    totalBytes: 0, availableBytes: 0, freeBytes: 0, cachedBytes: 0, dirtyBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0,
  };
  const seen = new Set<keyof MeminfoRaw>();
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      malformed++;
      continue;
    }
    const key = FIELDS[line.slice(0, colon)];
    if (!key) continue;
    const parts = line.slice(colon + 1).trim().split(/\s+/);
    const n = toCount(parts[0]);
    // Every field we read is in kB; a line without the unit would be a different format.
    if (n === null || parts[1] !== 'kB') {
      malformed++;
      continue;
    }
    value[key] = n * 1024;
    seen.add(key);
  }
  if (!seen.has('availableBytes')) value.availableBytes = value.freeBytes + value.cachedBytes;
  for (const key of ['totalBytes', 'freeBytes'] as const) if (!seen.has(key)) malformed++;
  return { value, malformed };
}
