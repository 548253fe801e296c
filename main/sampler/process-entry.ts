/**
 * What the process table keeps per process (process-table.ts decides when each part is re-read)
 * and the row it makes of it each tick. The row is built only from the entry: RSS is exact (statm),
 * the anon/file/shmem split is the one last read from status scaled to that RSS (RSS is exactly
 * their sum, so the scaled parts still add up), swap and the oom scores are the last values read,
 * and the growth rate is over the last GROWTH_WINDOW reads.
 *
 * The growth window is a ring of fixed arrays written in place: it advances on every tick for every
 * process, resting ones included, and the push/shift it replaced reallocated each array's backing
 * store every ~20 ticks — medium-lived garbage the sampler worker's young generation promoted into
 * its old one (docs/BENCHMARKS.md, "Footprint, fourth pass").
 */
import type { ProcessInfo } from '../../contract/snapshot';
import type { StatRaw } from './parse/stat';
import { newStatTail, type StatTail } from './parse/stat-tail';
import { sameProcessButApp } from './snapshot-delta';

/** Ticks of RSS history kept per process for growthBytesPerSec. */
const GROWTH_WINDOW = 5;

/** A process as the table sees it: the contract fields plus what grouping needs. */
export interface TableRow {
  info: ProcessInfo;
  session: number;
}

/** One known process (a PID with one start time). */
export interface Entry {
  pid: number;
  /** Kept-open /proc/PID/statm fd, or null beyond the budget. */
  fd: number | null;
  stat: StatRaw;
  /** The thread count and the code and argv addresses of the last stat read (an exec moves them). */
  tail: StatTail;
  /** A live thread read in place of the main one when that exited first (entry-refresh.ts), else 0. */
  liveTask: number;
  /** statm's resident pages when last read (stat is re-read whenever they change): a change means the process is doing something. */
  residentAtStat: number;
  nextStatAt: number;
  /** When statm is read again even if the process's group keeps idle (after reclaim, and without any). */
  nextReadAt: number;
  nextQuietReadAt: number;
  /** When the table first saw it: a young process never rests (launchers move it to its app's group). */
  firstSeenAt: number;
  /** Its watched group's members changed (idle-groups.ts): re-read its cgroup on its next read, which is this tick's. */
  regroup: boolean;
  /** The reclaim counter when it was last read (-1: unknown). */
  readReclaim: number;
  cmdline: string;
  /** Status's Tgid: equal to pid for a process, another PID for a thread's TID. */
  tgid: number;
  uid: number;
  user: string;
  cgroup: string;
  anon: number;
  file: number;
  shmem: number;
  swap: number;
  rssAtStatus: number;
  nextStatusAt: number;
  /** When a due light refresh (a resting process's) reads oom_score_adj again (entry-refresh.ts). */
  nextLightAt: number;
  oomScore: number;
  oomScoreAdj: number;
  /** The row last returned, reused while the process rests. */
  row: TableRow | null;
  /** The growth window (advanceGrowth): the last GROWTH_WINDOW reads' times and RSS, a ring. */
  growthTimes: number[];
  growthRss: number[];
  /** Reads in the window so far (at most GROWTH_WINDOW) and the slot the next one goes to. */
  growthReads: number;
  growthNext: number;
  seenTick: number;
}

/** A fresh entry, before anything is read (stat is set right after, by the caller). */
export function newEntry(pid: number, fd: number | null, firstSeenAt: number, tick: number): Entry {
  return {
    pid, fd, stat: null as unknown as StatRaw, tail: newStatTail(), liveTask: 0, residentAtStat: 0, nextStatAt: 0, nextReadAt: 0, nextQuietReadAt: 0, firstSeenAt, regroup: false,
    readReclaim: -1, cmdline: '', tgid: pid, uid: 0, user: '', cgroup: '/', anon: 0, file: 0, shmem: 0, swap: 0, rssAtStatus: 0,
    nextStatusAt: 0, nextLightAt: 0, oomScore: 0, oomScoreAdj: 0, row: null, growthTimes: [0, 0, 0, 0, 0], growthRss: [0, 0, 0, 0, 0], growthReads: 0, growthNext: 0, seenTick: tick,
  };
}

/** Put this read's RSS into the growth window and return the rate over it, bytes per second. */
export function advanceGrowth(entry: Entry, rss: number, nowMs: number): number {
  const times = entry.growthTimes;
  const values = entry.growthRss;
  const at = entry.growthNext;
  times[at] = nowMs;
  values[at] = rss;
  entry.growthNext = at + 1 === GROWTH_WINDOW ? 0 : at + 1;
  if (entry.growthReads < GROWTH_WINDOW) entry.growthReads++;
  // The oldest read in the window: the first slot until the ring is full, then the one written next.
  const oldest = entry.growthReads < GROWTH_WINDOW ? 0 : entry.growthNext;
  const dt = (nowMs - times[oldest]!) / 1000;
  return dt > 0 ? (rss - values[oldest]!) / dt : 0;
}

/** The process fields rowOf would write, filled in place to compare with the last row (never handed out). */
const candidate: ProcessInfo = {
  pid: 0, ppid: 0, uid: 0, user: '', comm: '', cmdline: '', startTime: 0, state: '', rssBytes: 0, anonBytes: 0, fileBytes: 0,
  shmemBytes: 0, swapBytes: 0, oomScore: 0, oomScoreAdj: 0, cgroup: '', appId: '', growthBytesPerSec: 0,
};

/**
 * The row for an entry at this RSS (bytes) and growth rate: `last` itself when it already says
 * exactly that in every field but the app id (group-apps.ts sets that one on a fresh row, or keeps
 * it; the comparison is snapshot-delta.ts's, kept complete by the type check beside it), else a
 * new row. Deciding before building keeps an unchanged process at a few comparisons a tick and no
 * object: where every process is read every tick (the root-group layout), the rows built only to be
 * found equal and dropped were 4,000 objects a tick at 2,000 processes.
 */
export function rowOf(entry: Entry, rss: number, growth: number, last: TableRow | null = null): TableRow {
  const stat = entry.stat;
  const known = entry.anon + entry.file + entry.shmem;
  const scale = known > 0 ? rss / known : 0;
  const anonBytes = Math.round(entry.anon * scale);
  const fileBytes = Math.min(rss - anonBytes, Math.round(entry.file * scale));
  const c = candidate;
  c.pid = entry.pid;
  c.ppid = stat.ppid;
  c.uid = entry.uid;
  c.user = entry.user;
  c.comm = stat.comm;
  // A zombie has no command line, unless only its main thread exited and others still run.
  c.cmdline = stat.state === 'Z' && entry.liveTask === 0 ? '' : entry.cmdline;
  c.startTime = stat.startTime;
  c.state = stat.state;
  c.rssBytes = rss;
  c.anonBytes = anonBytes;
  c.fileBytes = fileBytes;
  c.shmemBytes = known > 0 ? rss - anonBytes - fileBytes : 0;
  c.swapBytes = entry.swap;
  c.oomScore = entry.oomScore;
  c.oomScoreAdj = entry.oomScoreAdj;
  c.cgroup = entry.cgroup;
  c.growthBytesPerSec = growth;
  if (last !== null && last.session === stat.session && sameProcessButApp(c, last.info)) return last;
  return { session: stat.session, info: { ...c } };
}
