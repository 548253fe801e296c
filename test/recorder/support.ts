/**
 * Real snapshots for recorder tests: taken by the real sampler from this machine's /proc, then
 * re-stamped (time, seq) so a test can write hours of ticks in a second through the real writer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
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

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A real small disk: a tmpfs of `size` (e.g. '256k') mounted on a fresh folder under /tmp (needs root). */
export interface SmallDisk {
  path: string;
  /** Write a file until the disk has no space left; returns its path. */
  fill(): string;
  readOnly(): void;
  /** Unmount and remove the mount point; safe to call twice. */
  remove(): void;
}

/** Mount a tmpfs of `size`; the caller removes it in finally/afterEach. */
export function smallDisk(size: string): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), `headroom-disk-${process.pid}-`));
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', path]);
  let mounted = true;
  return {
    path,
    fill() {
      const filler = join(path, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(64 << 20));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
      return filler;
    },
    readOnly() {
      sh('mount', ['-o', 'remount,ro', path]);
    },
    remove() {
      if (!mounted) return;
      mounted = false;
      spawnSync('umount', [path]);
      rmdirSync(path);
    },
  };
}
