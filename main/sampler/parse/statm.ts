/** Parser for /proc/PID/statm. */

/**
 * The resident page count (second column) from the first `length` bytes of a statm read, or null
 * when malformed. Resident is anon + file + shmem pages, the same figure as stat's rss; a zombie or
 * kernel thread (no mm) reads "0 0 0 0 0 0 0".
 */
export function parseStatmResident(buf: Uint8Array, length: number): number | null {
  let i = 0;
  while (i < length && buf[i] !== 0x20) {
    if (buf[i]! < 0x30 || buf[i]! > 0x39) return null;
    i++;
  }
  if (i === 0 || i >= length) return null;
  i++;
  let value = 0;
  const start = i;
  while (i < length && buf[i]! >= 0x30 && buf[i]! <= 0x39) value = value * 10 + (buf[i++]! - 0x30);
  if (i === start || (i < length && buf[i] !== 0x20 && buf[i] !== 0x0a)) return null;
  return value;
}
