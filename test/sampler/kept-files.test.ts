// Small files read through kept-open fds (main/sampler/kept-files.ts), on the real files the sampler
// reads: each read is the file's text now, a cgroup removed and made again under the same path is
// read afresh, a gone one throws, and what is not read between two sweeps is closed.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeptFiles } from '../../main/sampler/kept-files';
import { Scratch } from '../../main/sampler/read-file';
import { sleeperWithCleanup } from '../support/idle-children';

const V2 = '/sys/fs/cgroup/unified';
const cleanups: (() => Promise<void> | void)[] = [];
let kept: KeptFiles | null = null;

afterEach(async () => {
  kept?.close();
  kept = null;
  for (const undo of cleanups.splice(0)) await undo();
});

/** How many of this process's fds point at `path`. */
const fdsOn = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

/** A v2 group of our own, removed after the test (its sleepers moved back to the root first). */
function group(): string {
  const dir = join(V2, `app-headroom-kept-${process.pid}.scope`);
  mkdirSync(dir);
  cleanups.push(() => {
    if (!existsSync(dir)) return; // a test removed it
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) writeFileSync(join(V2, 'cgroup.procs'), pid);
    rmdirSync(dir);
  });
  return dir;
}

describe('kept files', () => {
  it('reads the text as it is now on every read, through one fd', () => {
    kept = new KeptFiles(new Scratch());
    const procs = join(group(), 'cgroup.procs');
    const a = sleeperWithCleanup(cleanups);
    const b = sleeperWithCleanup(cleanups);
    writeFileSync(procs, String(a.pid));
    expect(kept.text(procs).trim()).toBe(String(a.pid));
    writeFileSync(procs, String(b.pid));
    expect(kept.text(procs).trim().split('\n').sort()).toEqual([String(a.pid), String(b.pid)].sort());
    expect(fdsOn(procs)).toBe(1);
    expect(kept.open).toBe(1);
  });

  it('reads a cgroup made again under the same path afresh, throws for a gone one, and closes what a sweep finds unread', () => {
    kept = new KeptFiles(new Scratch());
    const dir = group();
    const sleeper = sleeperWithCleanup(cleanups);
    const procs = join(dir, 'cgroup.procs');
    writeFileSync(procs, String(sleeper.pid));
    expect(kept.text(procs).trim()).toBe(String(sleeper.pid));
    // Removed and made again between two reads: the kept fd belongs to the old group; the read opens the new one.
    writeFileSync(join(V2, 'cgroup.procs'), String(sleeper.pid));
    rmdirSync(dir);
    mkdirSync(dir);
    expect(kept.text(procs)).toBe('');
    writeFileSync(procs, String(sleeper.pid));
    expect(kept.text(procs).trim()).toBe(String(sleeper.pid));
    // Removed for good: a fresh open finds nothing, and nothing stays open for it.
    writeFileSync(join(V2, 'cgroup.procs'), String(sleeper.pid));
    rmdirSync(dir);
    expect(() => kept!.text(procs)).toThrow(/ENOENT/);
    expect(kept.open).toBe(0);
    mkdirSync(dir);
    expect(kept.text(procs)).toBe('');
    expect(kept.text('/proc/meminfo')).toMatch(/^MemTotal:/);
    expect(kept.open).toBe(2);
    kept.sweep();
    // Only meminfo is read before the next sweep: the group's fd is closed then.
    kept.text('/proc/meminfo');
    kept.sweep();
    expect(kept.open).toBe(1);
  });
});
