/** Parser for /sys/block/zram*\/mm_stat. */
import { toCount, type Parsed } from './result';

/** The first three mm_stat columns: orig_data_size, compr_data_size, mem_used_total (bytes). */
export interface ZramRaw {
  dataBytes: number;
  comprBytes: number;
  usedBytes: number;
}

/** Parse one mm_stat file; value null (and one malformed) when the first three columns are not numbers. */
export function parseZramMmStat(text: string): Parsed<ZramRaw | null> {
  const cols = text.trim().split(/\s+/);
  const [data, compr, used] = [toCount(cols[0]), toCount(cols[1]), toCount(cols[2])];
  if (data === null || compr === null || used === null) return { value: null, malformed: 1 };
  return { value: { dataBytes: data, comprBytes: compr, usedBytes: used }, malformed: 0 };
}
