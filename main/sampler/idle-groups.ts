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
 * What it cannot see: a process moved into another group by someone else, which then runs there
 * while we still watch the old group (the table re-reads its cgroup every ~60 s, and every process
 * anyway every ~10 s after reclaim and ~60 s without, see resting.ts).
 */
import { closeSync, openSync } from 'node:fs';
import { preadCounter, type Scratch } from './read-file';

/** Watched groups at most (each keeps one fd, beside the statm fd budget: half the soft limit is left for the rest). */
const MAX_GROUPS = 128;
const KEY = 'usage_usec ';

interface Group {
  fd: number;
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

  /** Read the counters of the groups holding ≥ 2 processes (`members`: cgroup path → count); forget the rest. */
  refresh(members: ReadonlyMap<string, number>): void {
    for (const [path, group] of this.groups) {
      if ((members.get(path) ?? 0) < 2) this.drop(path, group);
    }
    if (this.mount === null) return;
    for (const [path, count] of members) {
      if (count < 2 || path === '/') continue;
      let group = this.groups.get(path);
      if (!group) {
        if (this.groups.size >= MAX_GROUPS) continue;
        try {
          group = { fd: openSync(`${this.mount}${path}/cpu.stat`, 'r'), usage: -1, idle: false };
        } catch {
          continue; // gone, or no cpu.stat here: its processes are read every tick
        }
        this.groups.set(path, group);
      }
      const usage = preadCounter(group.fd, this.scratch, KEY);
      group.idle = usage >= 0 && usage === group.usage;
      group.usage = usage;
      if (usage < 0) this.drop(path, group);
    }
  }

  /** True when the group was watched on the last two refreshes and none of its processes ran in between. */
  idle(path: string): boolean {
    return this.groups.get(path)?.idle === true;
  }

  /** Close every fd. */
  close(): void {
    for (const [path, group] of this.groups) this.drop(path, group);
  }

  private drop(path: string, group: Group): void {
    closeSync(group.fd);
    this.groups.delete(path);
  }
}
