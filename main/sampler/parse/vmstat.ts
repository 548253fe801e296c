/** Parser for /proc/vmstat: the counters Headroom turns into rates. */
import { toCount, type Parsed } from './result';

/** Cumulative counters since boot; null where this kernel does not have the counter. */
export interface VmstatRaw {
  majorFaults: number | null;
  /** workingset_refault_anon + workingset_refault_file (5.9+), or workingset_refault on older kernels. */
  refaults: number | null;
  oomKills: number | null;
  /**
   * Pages the kernel took from processes and caches (every `pgsteal_*` counter plus `pswpout`): it
   * stands still when nothing was reclaimed. Only compared for change; null when none is present.
   */
  reclaimed: number | null;
}

/** Parse /proc/vmstat ("name value" lines). */
export function parseVmstat(text: string): Parsed<VmstatRaw> {
  let malformed = 0;
  let reclaimed: number | null = null;
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const n = space > 0 ? toCount(line.slice(space + 1)) : null;
    if (n === null) {
      malformed++;
      continue;
    }
    const name = line.slice(0, space);
    counters.set(name, n);
    if (name.startsWith('pgsteal_') || name === 'pswpout') reclaimed = (reclaimed ?? 0) + n;
  }
  const anon = counters.get('workingset_refault_anon');
  const file = counters.get('workingset_refault_file');
  const refaults = anon !== undefined || file !== undefined ? (anon ?? 0) + (file ?? 0) : (counters.get('workingset_refault') ?? null);
  return {
    value: { majorFaults: counters.get('pgmajfault') ?? null, refaults, oomKills: counters.get('oom_kill') ?? null, reclaimed },
    malformed,
  };
}
