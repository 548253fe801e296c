// The memory limits the guard's conflict rule reads (native/cgroup.ts memoryLimitsOf), on real v1
// memory cgroups of our own with real processes: a sleeper in a limited group, one in a group nested
// under it (it shares that limit), one outside it, and a hog filling 86 % of a small limit.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLimitsOf } from '../../native/cgroup';
import { ownMemoryCgroupV1, removeGroup } from '../e2e/pressure';
import { startHog, stopAllHogs } from '../support/hogs';
import { sleeperWithCleanup } from '../support/idle-children';

const MiB = 1024 * 1024;
const V1 = '/sys/fs/cgroup/memory';
const cleanups: (() => Promise<void> | void)[] = [];
/** Our groups, innermost first: removed after every process in them ended. */
const groups: string[] = [];

afterEach(async () => {
  await stopAllHogs();
  for (const undo of cleanups.splice(0)) await undo();
  for (const dir of groups.splice(0)) await removeGroup(dir);
});

const sleeper = (): ChildProcess => sleeperWithCleanup(cleanups);

/** A v1 memory group of our own (removed after the test, its processes first). */
function memoryGroup(dir: string, limitMiB: number | null): string {
  mkdirSync(dir);
  groups.unshift(dir);
  if (limitMiB !== null) writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitMiB * MiB));
  return dir;
}

describe('memoryLimitsOf', () => {
  it('names the limited group a process is in, and the one above a nested group, with what is left of the limit', async () => {
    const limited = memoryGroup(join(ownMemoryCgroupV1(), `headroom-limits-${process.pid}`), 128);
    const nested = memoryGroup(join(limited, 'nested'), null);
    const member = sleeper();
    const inside = sleeper();
    const outside = sleeper();
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(limited, 'cgroup.procs'), String(member.pid));
    writeFileSync(join(nested, 'cgroup.procs'), String(inside.pid));
    const id = `v1:${limited.slice(V1.length)}`;

    const [ofMember] = memoryLimitsOf(member.pid!).filter((l) => l.id === id);
    expect(ofMember).toBeDefined();
    expect(ofMember!.limitBytes).toBe(128 * MiB);
    expect(ofMember!.availableBytes).toBeGreaterThan(0.9 * 128 * MiB);
    const ofInside = memoryLimitsOf(inside.pid!).filter((l) => l.id === id);
    expect(ofInside).toHaveLength(1);
    expect(memoryLimitsOf(outside.pid!).some((l) => l.id === id)).toBe(false);
    // A pid that is gone has none.
    const gone = sleeper();
    gone.kill('SIGKILL');
    await new Promise((r) => gone.once('exit', r));
    expect(memoryLimitsOf(gone.pid!)).toEqual([]);
  });

  it('counts a hog filling 86 % of the limit as leaving under 10 % of it', async () => {
    const limited = memoryGroup(join(ownMemoryCgroupV1(), `headroom-limits-full-${process.pid}`), 128);
    // The hog joins the group before it allocates (v1 does not move charges), so its pages count there.
    const hog = startHog({ mib: 110, lifetimeSec: 60, wrap: ['sh', '-c', `echo $$ > ${join(limited, 'cgroup.procs')} && exec "$@"`, 'headroom-test-hog'] });
    await hog.ready;
    const limit = memoryLimitsOf(hog.pid).find((l) => l.id === `v1:${limited.slice(V1.length)}`)!;
    expect(limit.limitBytes).toBe(128 * MiB);
    expect(limit.availableBytes).toBeLessThan(0.1 * 128 * MiB);
    expect(limit.availableBytes).toBeGreaterThanOrEqual(0);
  });
});
