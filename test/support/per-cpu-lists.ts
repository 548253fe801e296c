/**
 * The kernel's per-CPU free lists, per CPU, for benchmarks that time a release. Pages a CPU frees
 * stay on its own list up to the list's `high`, which the kernel raises on a CPU that allocates a
 * lot and lowers again over seconds (and on every free while a zone is short). A release on the
 * CPU the victim allocated on keeps most of 1 GiB there; on another CPU nearly every page goes
 * through the zone lock into the buddy allocator, which takes longer (docs/BENCHMARKS.md, eighth
 * pass).
 */
import { readFileSync } from 'node:fs';

/** Pages on each CPU's lists (`count:`) and their limits (`high:`), summed over zones, indexed by CPU. */
export interface PerCpuLists {
  count: number[];
  high: number[];
}

/** /proc/zoneinfo's `pagesets`, per CPU; throws when the file has none (the benches need them). */
export function readPerCpuLists(): PerCpuLists {
  const out: PerCpuLists = { count: [], high: [] };
  let found = false;
  for (const m of readFileSync('/proc/zoneinfo', 'latin1').matchAll(/^\s+cpu:\s+(\d+)\n\s+count:\s+(\d+)\n\s+high:\s+(\d+)$/gm)) {
    const cpu = Number(m[1]);
    out.count[cpu] = (out.count[cpu] ?? 0) + Number(m[2]);
    out.high[cpu] = (out.high[cpu] ?? 0) + Number(m[3]);
    found = true;
  }
  if (!found) throw new Error('no per-CPU pagesets in /proc/zoneinfo');
  return out;
}

/** All pages on per-CPU lists. */
export function perCpuPages(lists: PerCpuLists): number {
  return lists.count.reduce((a, b) => a + b, 0);
}

/**
 * The benches' recovery clock, in bytes: MemAvailable, and MemAvailable plus the pages on the
 * per-CPU lists (MemAvailable alone lags a release by seconds; KERNEL.md). 4 KiB pages.
 */
export function readAvailable(): { memAvailable: number; withPcp: number } {
  const memAvailable = Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'latin1'))![1]) * 1024;
  return { memAvailable, withPcp: memAvailable + perCpuPages(readPerCpuLists()) * 4096 };
}

/**
 * The CPU whose list grew most between two readings, and by how many pages (negative when every
 * list shrank). After a release this names the freeing CPU only when its list kept many pages;
 * a release that went to the buddy allocator leaves every list about where it was.
 */
export function grownMost(before: PerCpuLists, after: PerCpuLists): { cpu: number; pages: number } {
  let best = { cpu: -1, pages: -Infinity };
  after.count.forEach((n, cpu) => {
    const grown = n - (before.count[cpu] ?? 0);
    if (grown > best.pages) best = { cpu, pages: grown };
  });
  return best;
}
