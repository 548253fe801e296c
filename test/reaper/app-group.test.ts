/**
 * "Reap an app": when the targets are exactly the members of one cgroup v2 group, the reaper uses
 * cgroup.kill; when the group has another member too, it falls back to one by one and leaves the
 * other member alone. Uses a real child cgroup under the v2 mount (created and removed here).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cgroup2Mount, exclusiveGroupOf } from '../../native/cgroup';
import { readStat } from '../../native/proc';
import { reapTargets } from '../../native/reap';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';

const mount = cgroup2Mount();
let group = '';

beforeEach(() => {
  if (!mount) throw new Error('this machine has no cgroup v2 mount; the app-group reap cannot be tested here');
  group = join(mount, `headroom-test-${process.pid}-${Date.now()}`);
  mkdirSync(group);
});

afterEach(async () => {
  await stopAllHogs();
  // The group can be removed only once empty; the hogs are gone now.
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(group);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

async function hogInGroup(): Promise<Hog> {
  const hog = startHog({ mib: 32 });
  await hog.ready;
  writeFileSync(join(group, 'cgroup.procs'), String(hog.pid));
  return hog;
}

const target = (hog: Hog) => ({ pid: hog.pid, startTime: readStat(hog.pid)!.startTime });

describe('reaping a whole app group', () => {
  it('uses cgroup.kill when the targets are exactly the group, and mreleases each', async () => {
    const hogs = [await hogInGroup(), await hogInGroup()];
    expect(exclusiveGroupOf(hogs.map((h) => h.pid))).toBe(group);
    const results = reapTargets({ targets: hogs.map(target), mode: 'kill', force: false }, { via: 'in-process' });
    for (const result of results) {
      expect(result).toMatchObject({ ok: true, method: 'mrelease' });
      expect(result.note).toMatch(/cgroup\.kill/);
      expect(result.freedBytes).toBeGreaterThanOrEqual(24 * 1024 * 1024);
    }
    await Promise.all(hogs.map((h) => h.exited));
    expect(readFileSync(join(group, 'cgroup.procs'), 'utf8')).toBe('');
  });

  it('goes one by one when the group holds a process that was not asked for, and spares it', async () => {
    const [a, b, bystander] = [await hogInGroup(), await hogInGroup(), await hogInGroup()];
    expect(exclusiveGroupOf([a!.pid, b!.pid])).toBeNull();
    const results = reapTargets({ targets: [target(a!), target(b!)], mode: 'kill', force: false }, { via: 'in-process' });
    for (const result of results) {
      expect(result).toMatchObject({ ok: true, method: 'mrelease' });
      expect(result.note ?? '').not.toMatch(/cgroup\.kill/);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(bystander!.alive()).toBe(true);
  });

  it('does not walk a subtree of more than 64 groups (its owner shapes it; the reap waits): one by one instead', async () => {
    const hogs = [await hogInGroup(), await hogInGroup()];
    const children = Array.from({ length: 100 }, (_, i) => join(group, `child-${i}`));
    try {
      // With 40 empty child groups it is still the group's members exactly; with 100 it is not walked.
      for (const child of children.slice(0, 40)) mkdirSync(child);
      expect(exclusiveGroupOf(hogs.map((h) => h.pid))).toBe(group);
      for (const child of children.slice(40)) mkdirSync(child);
      expect(exclusiveGroupOf(hogs.map((h) => h.pid))).toBeNull();
      const results = reapTargets({ targets: hogs.map(target), mode: 'kill', force: false }, { via: 'in-process' });
      for (const result of results) {
        expect(result).toMatchObject({ ok: true, method: 'mrelease' });
        expect(result.note ?? '').not.toMatch(/cgroup\.kill/);
      }
    } finally {
      for (const child of children) {
        try {
          rmdirSync(child);
        } catch {
          // Not made (a failure above).
        }
      }
    }
  });
});
