/** Numeric fields of a process's /proc/PID/status, for benchmarks that watch another process. */
import { readFileSync } from 'node:fs';

/** The named fields (kB for the memory ones, a count for Threads), from one read; throws when one is missing. */
export function statusFields<F extends string>(pid: number, fields: readonly F[]): Record<F, number> {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const out = {} as Record<F, number>;
  for (const field of fields) {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
    out[field] = Number(m[1]);
  }
  return out;
}
