/**
 * Which cgroups did not run at all since the last tick: their processes' memory cannot have grown.
 *
 * A process's RSS grows only by faults in its own context (khugepaged collapsing, MADV_COLLAPSE
 * or a debugger writing into it aside), so a process that did not run since the last tick has at
 * most shrunk (reclaim, swap-out). Whether it ran costs a read per process to learn — as much as
 * the statm read it would spare — but the cgroup v2 `cpu.stat` of its group says it for all its
 * members at once: `usage_usec` counts every µs any member ran (seen here on the hybrid layout's
 * /sys/fs/cgroup/unified, without the cpu controller: 0 for a group of sleeping processes over a
 * second, +211 µs when one of them was killed — dying runs do_exit in the dying process). The same
 * proof covers exits (a process exits by running) and exec and forks (they run too).
 *
 * The counter is read BEFORE the group's members each tick, so running that happens after the read
 * is seen on the next tick. Only groups holding ≥ 2 known processes are watched (for one, the
 * counter costs what its statm does), never the root group (it holds everything not in a group,
 * kernel threads included, and has no such counter of its own). Fds stay open (pread ≈ 3 µs); a
 * group that went away fails its read and counts as having run.
 *
 * What the counter cannot see is a process moved into another group by someone else (a launcher,
 * `systemd-run --scope`, a cgroup tool): it runs in its new group while the table still holds it in
 * the old one, which idles. So each watched group's `cgroup.procs` is read too and compared byte for
 * byte with the last read: in a group none of whose members ran, nothing but such a move changes
 * that list (forks, execs and exits all run). A group whose list changed is not idle on that tick —
 * every process the table holds in it is read — and `moved` names it, so the table re-reads the
 * cgroup of each process it holds there or finds listed there (process-table.ts). The list is
 * compared, and parsed only when it changed. It costs the kernel a walk of the group's tasks, ≈ 0.6 µs
 * a member at 1 Hz here (cold caches; 1.2 ms a tick for 2,000 members, +0.12–0.2 % of a core in the
 * steady benchmark: docs/BENCHMARKS.md, "Eleventh pass"), so a group is listed every tick up to
 * LIST_MEMBERS_PER_TICK members and every ⌈members / LIST_MEMBERS_PER_TICK⌉ ticks above: a move out
 * of a group of 2,000 resting processes shows within 4 ticks.
 */
import { closeSync, openSync } from 'node:fs';
import { preadCounter, preadWhole, type Scratch } from './read-file';

/** Watched groups at most (each keeps two fds, beside the statm fd budget: half the soft limit is left for the rest). */
export const MAX_GROUPS = 128;
const KEY = 'usage_usec ';
/** A group's member list is read every tick up to this many members, every ⌈members / this⌉ ticks above. */
export const LIST_MEMBERS_PER_TICK = 500;

interface Group {
  fd: number;
  /** cgroup.procs, and its bytes at the last refresh (null before the first). */
  procsFd: number;
  members: Buffer | null;
  /** Refreshes until the member list is read again (0: on the next). */
  wait: number;
  usage: number;
  idle: boolean;
}

/** Per-tick idleness of the cgroups that hold the table's processes. */
export class IdleGroups {
  private readonly groups = new Map<string, Group>();

  /** `mount`: where the cgroup v2 hierarchy is mounted, or null (nothing is ever idle then). */
  constructor(
    private readonly mount: string | null,
    private readonly scratch: Scratch,
  ) {}

  /** Watched groups whose member list changed at the last refresh (someone moved a process in or out). */
  readonly moved: string[] = [];

  /** Read the counters of the groups holding ≥ 2 processes (`members`: cgroup path → count); forget the rest. */
  refresh(members: ReadonlyMap<string, number>): void {
    this.moved.length = 0;
    for (const [path, group] of this.groups) {
      if ((members.get(path) ?? 0) < 2) this.drop(path, group);
    }
    if (this.mount === null) return;
    for (const [path, count] of members) {
      if (count < 2 || path === '/') continue;
      let group = this.groups.get(path);
      if (!group) {
        if (this.groups.size >= MAX_GROUPS) continue;
        group = this.open(path) ?? undefined;
        if (!group) continue; // gone, or no cpu.stat or readable cgroup.procs here: its processes are read every tick
        this.groups.set(path, group);
      }
      const usage = preadCounter(group.fd, this.scratch, KEY);
      let same = usage >= 0;
      if (same && --group.wait < 0) {
        same = this.sameMembers(group, path);
        group.wait = Math.ceil(count / LIST_MEMBERS_PER_TICK) - 1;
      }
      group.idle = same && usage === group.usage;
      group.usage = usage;
      if (usage < 0 || group.members === null) this.drop(path, group);
    }
  }

  /** The PIDs listed in a watched group's cgroup.procs at the last refresh (parsed on demand: for `moved` groups). */
  membersOf(path: string): Set<number> {
    const pids = new Set<number>();
    const list = this.groups.get(path)?.members;
    if (!list) return pids;
    let n = 0;
    for (const c of list) {
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
      } else {
        if (n > 0) pids.add(n);
        n = 0;
      }
    }
    if (n > 0) pids.add(n);
    return pids;
  }

  /** True when the group was watched on the last two refreshes and none of its processes ran in between. */
  idle(path: string): boolean {
    return this.groups.get(path)?.idle === true;
  }

  /** Close every fd. */
  close(): void {
    for (const [path, group] of this.groups) this.drop(path, group);
  }

  private open(path: string): Group | null {
    let fd = -1;
    try {
      fd = openSync(`${this.mount}${path}/cpu.stat`, 'r');
      return { fd, procsFd: openSync(`${this.mount}${path}/cgroup.procs`, 'r'), members: null, wait: 0, usage: -1, idle: false };
    } catch {
      if (fd >= 0) closeSync(fd);
      return null;
    }
  }

  /**
   * Read the group's cgroup.procs and compare it with the last read; false when it changed (the
   * group is then in `moved`, unless this is its first read) or cannot be read (members null).
   */
  private sameMembers(group: Group, path: string): boolean {
    let length: number;
    try {
      length = preadWhole(group.procsFd, this.scratch);
    } catch {
      group.members = null;
      return false;
    }
    const now = this.scratch.buf.subarray(0, length);
    if (group.members !== null && group.members.equals(now)) return true;
    if (group.members !== null) this.moved.push(path);
    group.members = Buffer.from(now);
    return false;
  }

  private drop(path: string, group: Group): void {
    closeSync(group.fd);
    closeSync(group.procsFd);
    this.groups.delete(path);
  }
}
