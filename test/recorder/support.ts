/**
 * Real snapshots for recorder tests: taken by the real sampler from this machine's /proc, then
 * re-stamped (time, seq) so a test can write hours of ticks in a second through the real writer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../contract/snapshot';
import { createSampler } from '../../main/sampler';

/** Two real snapshots (the second has per-tick rates), taken 250 ms apart. */
export async function realSnapshots(): Promise<[Snapshot, Snapshot]> {
  const sampler = createSampler({ intervalMs: 250 });
  try {
    const first = sampler.sample();
    await new Promise((r) => setTimeout(r, 250));
    return [first, sampler.sample()];
  } finally {
    sampler.close();
  }
}

/** `base` re-stamped at `time` with sequence `seq`. */
export function stamped(base: Snapshot, time: number, seq: number): Snapshot {
  return { ...base, time, seq };
}

/** A fresh temporary folder standing for $XDG_STATE_HOME/headroom. */
export function tempStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'headroom-rec-')), 'headroom');
}
