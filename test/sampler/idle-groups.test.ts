// The process table skips the statm read of processes whose cgroup did not run since the last tick
// (main/sampler/idle-groups.ts). On the real /proc and real cgroups with a real child: a process that
// grows shows it on the very next tick (it ran, so its group did), quiet ticks really skip the reads,
// and a process whose memory is taken away while it sleeps (its mapped file pages reclaimed by
// lowering its own v1 memory cgroup's limit: it never runs, its group's counter stays put) is seen
// smaller within the stated bound (idleReadMs × 1.5).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pageSize } from '../../main/sampler/page-size';
import { LIST_MEMBERS_PER_TICK } from '../../main/sampler/idle-groups';
import { ProcessTable } from '../../main/sampler/process-table';
import { parseVmstat } from '../../main/sampler/parse/vmstat';
import { Scratch } from '../../main/sampler/read-file';
import { UserNames } from '../../main/sampler/users';
import { ownMemoryCgroupV1, removeGroup } from '../e2e/pressure';
import { HOG_MARKER } from '../support/hogs';
import { sleeperWithCleanup } from '../support/idle-children';

const MiB = 1024 * 1024;
const V2 = '/sys/fs/cgroup/unified';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

// Commands on stdin: "grow" adds 8 MiB of written anonymous memory, "map" writes a 32 MiB file
// (fsync'd, so clean), maps it and touches every page. Bounded: 2 minutes, at most 64 MiB + the file.
const CHILD = `
import mmap, os, signal, sys
signal.alarm(120)
keep = []
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "grow" and len(keep) < 8:
        keep.append(b"\\x01" * (8 << 20))
    elif cmd == "map":
        path = sys.argv[2]
        with open(path, "wb") as f:
            f.write(b"\\x02" * (32 << 20))
            f.flush()
            os.fsync(f.fileno())
        m = mmap.mmap(os.open(path, os.O_RDONLY), 32 << 20, prot=mmap.PROT_READ)
        keep.append(m)
        total = 0
        for i in range(0, 32 << 20, 4096):
            total += m[i]
    print("ok", flush=True)
`;

interface Child {
  proc: ChildProcess;
  pid: number;
  command(cmd: string): Promise<void>;
}

function startChild(file: string): Child {
  const proc = spawn('/usr/bin/python3', ['-c', CHILD, HOG_MARKER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    return new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
  });
  return {
    proc,
    pid: proc.pid!,
    command: (cmd) =>
      new Promise((resolve) => {
        proc.stdout!.once('data', () => resolve());
        proc.stdin!.write(`${cmd}\n`);
      }),
  };
}

const sleeper = (): ChildProcess => sleeperWithCleanup(cleanups);

/** A v2 group named like a desktop app scope, removed after the test (its processes are ended first). */
function appGroup(name = 'steady'): string {
  const dir = join(V2, `app-headroom-${name}-${process.pid}.scope`);
  mkdirSync(dir);
  cleanups.unshift(() => removeGroup(dir));
  return dir;
}

/** A Python grower, answered once (from then on it runs only when told to), and a sleeper, both in one app group. */
async function growerAndSleeper(): Promise<{ child: Child; idle: ChildProcess }> {
  const group = appGroup();
  const child = startChild('/dev/null');
  const idle = sleeper();
  await child.command('noop');
  writeFileSync(join(group, 'cgroup.procs'), String(child.pid));
  writeFileSync(join(group, 'cgroup.procs'), String(idle.pid));
  return { child, idle };
}

function table(idleReadMs: number, quietReadMs = 600_000, youngMs = 0, statusRefreshMs = 600_000, lightRefreshMs = statusRefreshMs): ProcessTable {
  const t = new ProcessTable(
    { fdBudget: 8192, statusRefreshMs, lightRefreshMs, statRefreshMs: 600_000, pageSize: pageSize(), cgroupV2Mount: V2, idleReadMs, quietReadMs, youngMs },
    new Scratch(),
    new UserNames(),
  );
  cleanups.push(() => t.close());
  return t;
}

/** The kernel's reclaim counter, as the sampler reads it before each table read. */
const reclaimCounter = (): number | null => parseVmstat(readFileSync('/proc/vmstat', 'utf8')).value.reclaimed;
const usageOf = (group: string): number => Number(/^usage_usec (\d+)/m.exec(readFileSync(join(group, 'cpu.stat'), 'utf8'))![1]);
const rssNow = (pid: number): number => Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * pageSize();
/**
 * A row's RSS is this tick's reading: within 1 MiB of the kernel's figure read right after it (the
 * kernel's per-CPU RSS counters can fold in a few dozen pages after the child answered), where a
 * stale row would be a whole 8 MiB step behind.
 */
function expectCurrentRss(rssBytes: number, pid: number): void {
  expect(Math.abs(rssBytes - rssNow(pid))).toBeLessThan(MiB);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Grow the child 8 MiB three times; each growth must be in the row of the very next read, at the kernel's figure. */
async function expectGrowthOnEveryTick(t: ProcessTable, child: Child, fromRss: number): Promise<void> {
  let last = fromRss;
  for (let i = 0; i < 3; i++) {
    await child.command('grow');
    // The kernel's own figure first (the answer can come a moment before the pages are all counted).
    for (let w = 0; w < 100 && rssNow(child.pid) < last + 7 * MiB; w++) await sleep(10);
    const row = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info;
    expect(row.rssBytes).toBeGreaterThanOrEqual(last + 7 * MiB);
    expectCurrentRss(row.rssBytes, child.pid);
    last = row.rssBytes;
  }
}

describe('idle groups: processes whose cgroup did not run are not read', () => {
  it('shows a growing process on every tick and skips the reads on quiet ticks', async () => {
    const { child, idle } = await growerAndSleeper();
    const t = table(600_000);
    t.read(Date.now());
    await sleep(50);
    t.read(Date.now());
    let last = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info.rssBytes;
    for (let i = 0; i < 5; i++) {
      // Python may still be finishing its answer when it arrives: give the group one tick to settle.
      await sleep(50);
      const settled = t.read(Date.now()).find((r) => r.info.pid === idle.pid)!;
      await sleep(50);
      // Quiet: neither of the group's processes ran, so neither was read.
      const skipped = t.read(Date.now());
      expect(t.skippedReads).toBeGreaterThanOrEqual(2);
      // The sleep, not growing, keeps its very row object (so the delta encoder skips it by identity).
      expect(skipped.find((r) => r.info.pid === idle.pid)).toBe(settled);
      expect(skipped.find((r) => r.info.pid === child.pid)!.info.rssBytes).toBe(last);
      await child.command('grow');
      const row = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info;
      expect(row.rssBytes).toBeGreaterThanOrEqual(last + 7 * MiB);
      expectCurrentRss(row.rssBytes, child.pid);
      expect(row.growthBytesPerSec).toBeGreaterThan(0);
      last = row.rssBytes;
    }
  });

  it('gives a process that wakes up after a rest its growth rate over the last five ticks, not over its rest', async () => {
    const { child } = await growerAndSleeper();
    const t = table(600_000);
    const times: number[] = [];
    const read = () => {
      const now = Date.now();
      times.push(now);
      return t.read(now).find((r) => r.info.pid === child.pid)!.info;
    };
    let skipped = 0;
    for (let i = 0; i < 12; i++) {
      read();
      skipped += t.skippedReads;
      await sleep(50);
    }
    expect(skipped).toBeGreaterThanOrEqual(10);
    const rested = read().rssBytes;
    await child.command('grow');
    const woke = read();
    // The window is the last five reads: the rate is the growth over the time since the fifth-last.
    const expected = (woke.rssBytes - rested) / ((times.at(-1)! - times.at(-5)!) / 1000);
    expect(woke.rssBytes - rested).toBeGreaterThanOrEqual(7 * MiB);
    expect(woke.growthBytesPerSec).toBeCloseTo(expected, 0);
  });

  it('sees a sleeping process shrink by reclaim within idleReadMs × 1.5 (the reclaim counter moved), not quietReadMs', async () => {
    const group = appGroup();
    const memcg = join(ownMemoryCgroupV1(), `headroom-steady-${process.pid}`);
    mkdirSync(memcg);
    cleanups.unshift(() => removeGroup(memcg));
    const dir = mkdtempSync(join(tmpdir(), 'headroom-steady-'));
    cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
    const child = startChild(join(dir, 'mapped'));
    const idle = sleeper();
    await sleep(200);
    for (const procs of [join(group, 'cgroup.procs'), join(memcg, 'cgroup.procs')]) writeFileSync(procs, String(child.pid));
    writeFileSync(join(group, 'cgroup.procs'), String(idle.pid));
    // The file's pages are charged to the child's memory cgroup (it wrote and read them there).
    await child.command('map');
    const idleReadMs = 1000;
    const t = table(idleReadMs);
    t.read(Date.now(), reclaimCounter());
    await sleep(50);
    t.read(Date.now(), reclaimCounter());
    const before = t.read(Date.now(), reclaimCounter()).find((r) => r.info.pid === child.pid)!.info.rssBytes;
    expect(before).toBeGreaterThan(32 * MiB);
    expect(t.skippedReads).toBeGreaterThanOrEqual(2);

    // Take 24 MiB of its mapped file pages away by lowering its limit: reclaim runs in OUR context.
    const usageBefore = usageOf(group);
    const charged = Number(readFileSync(join(memcg, 'memory.usage_in_bytes'), 'utf8'));
    writeFileSync(join(memcg, 'memory.limit_in_bytes'), String(charged - 24 * MiB));
    const truth = rssNow(child.pid);
    expect(truth).toBeLessThan(before - 16 * MiB);
    const shrunkAt = performance.now();
    let seenAfterMs = -1;
    let skippedMeanwhile = 0;
    while (performance.now() - shrunkAt < idleReadMs * 1.5 + 500) {
      const row = t.read(Date.now(), reclaimCounter()).find((r) => r.info.pid === child.pid)!.info;
      skippedMeanwhile += t.skippedReads;
      if (row.rssBytes === truth) {
        seenAfterMs = performance.now() - shrunkAt;
        break;
      }
      expect(row.rssBytes).toBe(before);
      await sleep(100);
    }
    // The group never ran: nothing but the periodic re-read can have noticed the shrink.
    expect(usageOf(group)).toBe(usageBefore);
    expect(skippedMeanwhile).toBeGreaterThan(0);
    expect(seenAfterMs).toBeGreaterThanOrEqual(0);
    expect(seenAfterMs).toBeLessThanOrEqual(idleReadMs * 1.5 + 150);
  });

  it('while nothing is reclaimed, leaves a resting process unread until quietReadMs; once pages are reclaimed, reads it within idleReadMs × 1.5', async () => {
    const group = appGroup();
    const a = sleeper();
    const b = sleeper();
    await sleep(100);
    writeFileSync(join(group, 'cgroup.procs'), String(a.pid));
    writeFileSync(join(group, 'cgroup.procs'), String(b.pid));
    const idleReadMs = 300;
    const t = table(idleReadMs, 600_000);
    // The counter as the sampler passes it; held still here, as on a machine that reclaims nothing.
    const still = 1_000;
    t.read(Date.now(), still);
    await sleep(50);
    const first = t.read(Date.now(), still).find((r) => r.info.pid === a.pid)!;
    // Which PIDs the table really reads (statm), seen on its reader: a re-read that finds nothing
    // changed gives back the very same row (process-table.ts), so the row cannot tell.
    const readPids = new Set<number>();
    const reader = (t as unknown as { reader: { resident: (pid: number, fd: number | null) => number } }).reader;
    const resident = reader.resident.bind(reader);
    reader.resident = (pid, fd) => {
      readPids.add(pid);
      return resident(pid, fd);
    };
    const until = performance.now() + idleReadMs * 1.5 * 3;
    while (performance.now() < until) {
      await sleep(100);
      // Not read again: the very same row object, tick after tick, well past idleReadMs × 1.5.
      expect(t.read(Date.now(), still).find((r) => r.info.pid === a.pid)).toBe(first);
      expect(readPids.has(a.pid!)).toBe(false);
    }
    // Pages were reclaimed (the counter moved): read again within idleReadMs × 1.5 of its last read.
    const movedAt = performance.now();
    let reread = -1;
    while (performance.now() - movedAt < idleReadMs * 1.5 + 300) {
      const row = t.read(Date.now(), still + 64).find((r) => r.info.pid === a.pid)!;
      if (readPids.has(a.pid!)) {
        reread = performance.now() - movedAt;
        expect(row.info).toEqual({ ...first.info, growthBytesPerSec: row.info.growthBytesPerSec });
        break;
      }
      await sleep(50);
    }
    expect(reread).toBeGreaterThanOrEqual(0);
    expect(reread).toBeLessThanOrEqual(idleReadMs * 1.5 + 100);
  });

  it('reads a resting process\'s oom_score_adj only every lightRefreshMs: the status refreshes due in between read nothing', async () => {
    const group = appGroup('lightslow');
    const a = sleeper();
    const b = sleeper();
    await sleep(100);
    for (const pid of [a.pid!, b.pid!]) writeFileSync(join(group, 'cgroup.procs'), String(pid));
    // Status due every ~300 ms, the light read only every ~10 min.
    const t = table(600_000, 600_000, 0, 300, 600_000);
    const still = 1_000;
    t.read(Date.now(), still);
    await sleep(50);
    const first = t.read(Date.now(), still).find((r) => r.info.pid === a.pid)!;
    writeFileSync(`/proc/${a.pid}/oom_score_adj`, '500');
    let light = 0;
    for (const until = performance.now() + 1500; performance.now() < until; await sleep(50)) {
      const row = t.read(Date.now(), still).find((r) => r.info.pid === a.pid)!;
      light += t.lightRefreshes;
      // Not read: the row is the one before the change, the very same object.
      expect(row).toBe(first);
    }
    expect(light).toBe(0);
    expect(first.info.oomScoreAdj).not.toBe(500);
  });

  it('refreshes a resting process lightly while nothing is reclaimed: an oom_score_adj set by others shows within lightRefreshMs × 1.5; a move, on the next tick', async () => {
    const group = appGroup('light');
    const other = appGroup('other');
    const a = sleeper();
    const b = sleeper();
    await sleep(100);
    for (const pid of [a.pid!, b.pid!]) writeFileSync(join(group, 'cgroup.procs'), String(pid));
    const statusRefreshMs = 300;
    const t = table(600_000, 600_000, 0, statusRefreshMs);
    const still = 1_000; // the reclaim counter, held still as on a machine that reclaims nothing
    t.read(Date.now(), still);
    await sleep(50);
    const firstA = t.read(Date.now(), still).find((r) => r.info.pid === a.pid)!;
    const firstB = t.read(Date.now(), still).find((r) => r.info.pid === b.pid)!;
    const usageBefore = usageOf(group);
    const watch = async (done: (row: typeof firstA) => boolean): Promise<number> => {
      const from = performance.now();
      let light = 0;
      while (performance.now() - from < statusRefreshMs * 1.5 + 300) {
        const rows = t.read(Date.now(), still);
        light += t.lightRefreshes;
        // The other sleeper's refresh came due too, and found nothing new: its very row, never re-read.
        expect(rows.find((r) => r.info.pid === b.pid)).toBe(firstB);
        if (done(rows.find((r) => r.info.pid === a.pid)!)) {
          expect(light).toBeGreaterThan(0);
          return performance.now() - from;
        }
        await sleep(50);
      }
      return -1;
    };

    writeFileSync(`/proc/${a.pid}/oom_score_adj`, '500');
    const seenAfter = await watch((row) => {
      if (row.info.oomScoreAdj !== 500) return false;
      // Everything else is as it was, except oom_score, which follows oom_score_adj.
      expect(row.info.oomScore).toBe(Number(readFileSync(`/proc/${a.pid}/oom_score`, 'utf8')));
      expect(row.info.oomScore).toBeGreaterThan(firstA.info.oomScore);
      expect({ ...row.info, oomScore: 0, oomScoreAdj: 0 }).toEqual({ ...firstA.info, oomScore: 0, oomScoreAdj: 0 });
      return true;
    });
    expect(seenAfter).toBeGreaterThanOrEqual(0);
    expect(seenAfter).toBeLessThanOrEqual(statusRefreshMs * 1.5 + 100);

    // A move changes the group's member list, compared every tick: no refresh needs to come due.
    writeFileSync(join(other, 'cgroup.procs'), String(a.pid));
    const rows = t.read(Date.now(), still);
    expect(rows.find((r) => r.info.pid === a.pid)!.info.cgroup).toBe(other.slice(V2.length));
    expect(rows.find((r) => r.info.pid === b.pid)).toBe(firstB);
    // Neither sleeper ever ran: only the due refresh can have seen either change.
    expect(usageOf(group)).toBe(usageBefore);
  });

  it('reads a young process every tick: moved by a launcher into another group, it is in that group on the next tick and grows there while its first group idles', async () => {
    const first = appGroup('launcher');
    const second = appGroup('launched');
    // Two sleepers: a group rests only with ≥ 2 known members, and the child leaves it.
    const idle = [sleeper(), sleeper()];
    await sleep(100);
    for (const s of idle) writeFileSync(join(first, 'cgroup.procs'), String(s.pid));
    const t = table(600_000, 600_000, 60_000);
    t.read(Date.now()); // the first read: what exists now is not young
    const child = startChild('/dev/null');
    await child.command('noop');
    writeFileSync(join(first, 'cgroup.procs'), String(child.pid));
    await sleep(50);
    t.read(Date.now()); // first seen here, in the launcher's group
    t.read(Date.now());
    // Moved by someone else (as systemd does for an app scope); from now on it runs only there.
    writeFileSync(join(second, 'cgroup.procs'), String(child.pid));
    const usageBefore = usageOf(first);
    // The move without an exec (desktop launchers move an app after it started) shows on the next
    // tick, not after the periodic refresh (statusRefreshMs here is 10 minutes): the guard names the
    // app by its group.
    const moved = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info;
    expect(moved.cgroup).toBe(second.slice(V2.length));
    await expectGrowthOnEveryTick(t, child, moved.rssBytes);
    // The group it was first seen in never ran meanwhile: only its youth kept it read.
    expect(usageOf(first)).toBe(usageBefore);
    // The sleepers there, seen on the first read, rest as before.
    expect(t.skippedReads).toBeGreaterThanOrEqual(2);
  });

  describe('a process moved by someone else while it rests (its old group keeps idling)', () => {
    /** Group A with a Python child and two sleepers, all resting in a table where nothing is young and the periodic refresh is 10 minutes away. */
    async function restingInGroup(sleepers = 2): Promise<{ from: string; to: string; child: Child; sleepers: ChildProcess[]; t: ProcessTable }> {
      const from = appGroup('rested');
      const to = appGroup('moved');
      const child = startChild('/dev/null');
      const idle = Array.from({ length: sleepers }, () => sleeper());
      await child.command('noop');
      // The child joins last: the kernel lists a group's processes in the order they joined.
      for (const pid of [...idle.map((s) => s.pid!), child.pid]) writeFileSync(join(from, 'cgroup.procs'), String(pid));
      const t = table(600_000, 600_000, 0, 600_000);
      for (let i = 0; i < 4; i++) {
        t.read(Date.now());
        await sleep(50);
      }
      expect(t.skippedReads).toBe(sleepers + 1);
      return { from, to, child, sleepers: idle, t };
    }

    it('is seen leaving a group whose member list is longer than one read returns (a page) within ⌈members / LIST_MEMBERS_PER_TICK⌉ ticks: 1,100 members', async () => {
      // 1,100 PIDs of ≥ 3 digits list in more than 4,096 bytes whatever the PID counter is at.
      const { from, to, child, t } = await restingInGroup(1100);
      const list = readFileSync(join(from, 'cgroup.procs'), 'utf8');
      expect(list.length).toBeGreaterThan(4096);
      expect(list.trim().split('\n').at(-1)).toBe(String(child.pid));
      // A list this long is read every ⌈1,101 / 500⌉ = 3rd tick (its cost grows with the members), not every tick.
      const groups = (t as unknown as { idleGroups: { sameMembers: (...a: unknown[]) => boolean } }).idleGroups;
      const sameMembers = groups.sameMembers.bind(groups);
      let listReads = 0;
      groups.sameMembers = (...a: unknown[]) => {
        listReads++;
        return sameMembers(...a);
      };
      const every = Math.ceil(1101 / LIST_MEMBERS_PER_TICK);
      for (let i = 0; i < 2 * every; i++) t.read(Date.now());
      expect(listReads).toBe(2);
      writeFileSync(join(to, 'cgroup.procs'), String(child.pid));
      let cgroup = '';
      for (let tick = 0; tick < every && cgroup !== to.slice(V2.length); tick++) {
        cgroup = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info.cgroup;
      }
      expect(cgroup).toBe(to.slice(V2.length));
      await child.command('grow');
      for (let w = 0; w < 100 && rssNow(child.pid) < 7 * MiB; w++) await sleep(10);
      expectCurrentRss(t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info.rssBytes, child.pid);
      expect(t.skippedReads).toBe(1100);
    });

    it('is in its new group on the next tick and its growth there shows on every tick', async () => {
      const { from, to, child, t } = await restingInGroup();
      writeFileSync(join(to, 'cgroup.procs'), String(child.pid));
      const usageBefore = usageOf(from);
      const moved = t.read(Date.now()).find((r) => r.info.pid === child.pid)!.info;
      expect(moved.cgroup).toBe(to.slice(V2.length));
      await expectGrowthOnEveryTick(t, child, moved.rssBytes);
      // Its old group never ran: only the changed member list can have told the table.
      expect(usageOf(from)).toBe(usageBefore);
      // The sleepers left there rest again.
      t.read(Date.now());
      expect(t.skippedReads).toBe(2);
    });

    it('is gone on the tick after it exits in its new group', async () => {
      const { from, to, sleepers, t } = await restingInGroup();
      const [gone] = sleepers;
      writeFileSync(join(to, 'cgroup.procs'), String(gone!.pid));
      expect(t.read(Date.now()).find((r) => r.info.pid === gone!.pid)!.info.cgroup).toBe(to.slice(V2.length));
      const usageBefore = usageOf(from);
      gone!.kill('SIGKILL');
      await new Promise((r) => gone!.once('exit', r));
      expect(t.read(Date.now()).some((r) => r.info.pid === gone!.pid)).toBe(false);
      expect(usageOf(from)).toBe(usageBefore);
    });

    it('joining a resting group from the root group, is counted in that group on the next tick', async () => {
      const { from, t } = await restingInGroup();
      const newcomer = sleeper();
      await sleep(50);
      expect(t.read(Date.now()).find((r) => r.info.pid === newcomer.pid)!.info.cgroup).toBe('/');
      t.read(Date.now());
      writeFileSync(join(from, 'cgroup.procs'), String(newcomer.pid));
      expect(t.read(Date.now()).find((r) => r.info.pid === newcomer.pid)!.info.cgroup).toBe(from.slice(V2.length));
      // All four rest on the ticks after.
      await sleep(50);
      t.read(Date.now());
      expect(t.skippedReads).toBe(4);
    });
  });

  it('drops a process of a quiet group on the tick after it exits, also after lingering as a zombie', async () => {
    const group = appGroup();
    // A parent (left in the root group) that reaps its child only when told to.
    const parent = spawn('/usr/bin/python3', ['-c', 'import os,sys\npid=os.posix_spawn("/bin/sleep",["sleep","60"],os.environ)\nprint(pid,flush=True)\nsys.stdin.readline()\nos.waitpid(pid,0)\nprint("reaped",flush=True)\nsys.stdin.readline()\n'], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    });
    const lines: string[] = [];
    const nextLine = () => new Promise<string>((resolve) => {
      const take = () => (lines.length > 0 ? resolve(lines.shift()!) : parent.stdout!.once('data', (d: Buffer) => {
        lines.push(...d.toString().trim().split('\n'));
        take();
      }));
      take();
    });
    const zombie = Number(await nextLine());
    cleanups.push(() => {
      try {
        process.kill(zombie, 'SIGKILL');
      } catch {
        // reaped
      }
    });
    const plain = sleeper();
    const other = sleeper();
    await sleep(100);
    for (const pid of [zombie, plain.pid!, other.pid!]) writeFileSync(join(group, 'cgroup.procs'), String(pid));
    const t = table(600_000);
    t.read(Date.now());
    await sleep(50);
    t.read(Date.now());
    await sleep(50);
    t.read(Date.now());
    expect(t.skippedReads).toBeGreaterThanOrEqual(3);

    // A plain exit: reaped by us at once, gone on the next tick.
    plain.kill('SIGKILL');
    await new Promise((r) => plain.once('exit', r));
    expect(t.read(Date.now()).some((r) => r.info.pid === plain.pid)).toBe(false);

    // Killed but not reaped: a zombie row (as a listing shows it), also on quiet ticks, then gone once reaped.
    process.kill(zombie, 'SIGKILL');
    await sleep(100);
    for (let i = 0; i < 3; i++) {
      expect(t.read(Date.now()).find((r) => r.info.pid === zombie)?.info.state).toBe('Z');
      await sleep(50);
    }
    parent.stdin!.write('\n');
    expect(await nextLine()).toBe('reaped');
    expect(t.read(Date.now()).some((r) => r.info.pid === zombie)).toBe(false);
    // The group's last member is still there and still skipped while quiet.
    expect(t.read(Date.now()).some((r) => r.info.pid === other.pid)).toBe(true);
  });
});
