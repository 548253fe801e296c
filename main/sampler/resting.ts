/**
 * When the process table may skip a process's reads: it rests.
 *
 * Not even statm is read for a process whose cgroup v2 group (≥ 2 known members, not the root)
 * did not run at all since the last tick (idle-groups.ts: its cpu.stat usage_usec did not move):
 * it cannot have grown, exited or exec'd, nor changed its stat line (state, comm, session), so its
 * row is the last one (the same object, when it was not growing). Its due status refresh reads
 * only oom_score_adj (what others change without it running, besides its cgroup: a move shows in its
 * group's member list, idle-groups.ts), and that only every ~10 min (entry-refresh.ts
 * LIGHT_REFRESH_MS), while it is untouched:
 * nothing reclaimed since its last statm read, which found the RSS of its last status read;
 * otherwise it is read fully. Exceptions: a zombie, a process whose parent just exited, and a
 * process first seen less than 30 s ago (youngMs; not those found on the first read, which were
 * there before Headroom): launchers (systemd scopes for desktop apps) move a new process into its
 * app's group and it execs and runs there while the group it was first seen in may idle. Such a
 * process is still read every ~10 s (idleReadMs, jittered ±50 %, so ≤ 15 s) once the kernel
 * reclaimed pages since its last read (/proc/vmstat's pgsteal_* and pswpout moved: that is how long
 * a shrink it did not cause — reclaim, swap-out — can go unseen), and every ~60 s (quietReadMs,
 * ≤ 90 s) while nothing was reclaimed: what is left then is rare (another process truncating a file
 * it maps). The periodic reads were a third of the sampler's CPU at 2,000 resting processes (7.6 vs
 * 5.1 ms a tick in-process, docs/BENCHMARKS.md). Processes in the root group (everything, on a
 * machine without systemd) are read every tick.
 */
import type { IdleGroups } from './idle-groups';
import type { Entry } from './process-entry';

/** What the rules need besides the entry; `reclaim` changes every tick. */
export interface RestContext {
  /** This tick's reclaim counter (-1: unknown, i.e. assume pages were reclaimed). */
  reclaim: number;
  pageSize: number;
  /** A process younger than this (since first seen) never rests. */
  youngMs: number;
  /** Mean time after which a resting process is read anyway, when pages were reclaimed since its last read. */
  idleReadMs: number;
  /** The same while nothing was reclaimed. */
  quietReadMs: number;
  groups: IdleGroups;
}

/** True when the process need not be read this tick: its group did not run and no refresh is due. */
export function rests(entry: Entry, nowMs: number, c: RestContext): boolean {
  return (
    entry.fd !== null && nowMs < readDue(entry, c) && entry.nextStatAt !== 0 &&
    (nowMs < entry.nextStatusAt || untouched(entry, c)) &&
    entry.stat.state !== 'Z' && !entry.stat.kernelThread && nowMs - entry.firstSeenAt >= c.youngMs &&
    c.groups.idle(entry.cgroup)
  );
}

/** When a resting process must be read anyway: soon after pages were reclaimed since its last read, else much later. */
function readDue(entry: Entry, c: RestContext): number {
  return c.reclaim >= 0 && entry.readReclaim === c.reclaim ? entry.nextQuietReadAt : entry.nextReadAt;
}

/**
 * Whether nothing was taken from a resting process since its last status read: no page reclaimed
 * anywhere since its last statm read, and that read found the RSS of the status read. (Its group
 * did not run, so it gave or took nothing itself; a shrink from outside is reclaim or swap-out.)
 */
function untouched(entry: Entry, c: RestContext): boolean {
  return c.reclaim >= 0 && entry.readReclaim === c.reclaim && entry.residentAtStat * c.pageSize === entry.rssAtStatus;
}

/** After a real read: when the process must be read again even if its group keeps idle. */
export function readAgainLater(entry: Entry, nowMs: number, c: RestContext): void {
  const jitter = 0.5 + Math.random();
  entry.nextReadAt = nowMs + c.idleReadMs * jitter;
  entry.nextQuietReadAt = nowMs + c.quietReadMs * jitter;
  entry.readReclaim = c.reclaim;
}
