/**
 * How the process table refreshes the parts of a known process it keeps (process-entry.ts): stat
 * (state, ppid, comm; on exec also the command line and the cgroup), status (the anon/file/shmem
 * split, swap, uid) with oom_score, and — on the periodic refresh — oom_score_adj, the cgroup and the
 * command line (rewritten in place by setproctitle).
 * process-table.ts decides when. A stat read, a full status refresh and a light one set when they
 * are due again, jittered ±50 % so processes first seen together spread over many ticks; a status
 * read because the RSS moved leaves the periodic one where it was.
 *
 * An exec is told by comm or by the code and argv addresses in the same stat line
 * (parse/stat-tail.ts): a program that execs one with the same name (perl → perl, a shell script
 * re-exec'ing itself), or moves its argv, gets its command line re-read on the stat read that
 * follows — no read of its own (exec changes the RSS, and a changed RSS brings a stat read).
 *
 * A process whose main thread exited (pthread_exit) while others run has a zombie leader: its
 * /proc/PID/statm reads 0, its status has no memory lines and its cmdline is empty, though the mm
 * lives on in the other threads. Those are read through one of them (/proc/PID/task/TID/…, found
 * once by listing /proc/PID/task): one open+read+close of its statm a tick (≈ 7 µs) for such a
 * process only — a zombie never rests (resting.ts) — and its status and cmdline when they are due.
 */
import { readdirSync } from 'node:fs';
import type { GroupMembers } from './group-members';
import type { StatRaw } from './parse/stat';
import { execMoved, type StatTail } from './parse/stat-tail';
import type { Entry } from './process-entry';
import type { ProcReader } from './proc-reader';
import type { UserNames } from './users';

/**
 * Mean age after which a resting process's oom_score_adj is read again (its light refresh): 10 min.
 * Only another process changes it while it rests (choom, a service manager), and nothing in Headroom
 * decides by it; the read (open + read + close of a procfs file, ~30 µs) was 13 % of the sampler
 * worker's time at 2,000 resting processes when it came every ~60 s (docs/BENCHMARKS.md, thirteenth pass).
 */
export const LIGHT_REFRESH_MS = 600_000;

/** Mean ages after which the periodic refreshes come due. */
export interface RefreshTiming {
  statRefreshMs: number;
  statusRefreshMs: number;
  /** The light refresh's (default LIGHT_REFRESH_MS). */
  lightRefreshMs?: number;
}

/** The refreshes, over the table's reader, user names and group counts. */
export class EntryRefresh {
  /** Light refreshes done since the caller last zeroed it. */
  lightRefreshes = 0;

  constructor(
    private readonly reader: ProcReader,
    private readonly users: UserNames,
    private readonly groups: GroupMembers,
    private readonly timing: RefreshTiming,
  ) {}

  /**
   * The due refresh of an untouched resting process: its RSS, split, swap and oom_score cannot have
   * moved, nor its uid and name (it did not run). What others can change is oom_score_adj (then
   * oom_score with it) and its cgroup — and a move is seen by its group's member list, compared
   * while its members rest (idle-groups.ts). One small read instead of statm, status, oom_score,
   * oom_score_adj and cgroup. That read is done only every lightRefreshMs (jittered ±50 %); the
   * refreshes due in between read nothing. False when the read failed: the caller reads it fully (and sees it gone).
   */
  lightRefresh(entry: Entry, nowMs: number): boolean {
    if (nowMs < entry.nextLightAt) {
      // Due again at the light read's time at the latest, so that read comes when it is due.
      entry.nextStatusAt = Math.min(nowMs + this.timing.statusRefreshMs * (0.5 + Math.random()), entry.nextLightAt);
      return true;
    }
    const base = `/proc/${entry.pid}/`;
    try {
      const adj = this.reader.int(base + 'oom_score_adj', entry.oomScoreAdj);
      if (adj !== entry.oomScoreAdj) {
        entry.oomScoreAdj = adj;
        entry.oomScore = this.reader.int(base + 'oom_score', entry.oomScore);
        entry.row = null;
      }
    } catch (err) {
      this.reader.failed(err);
      return false;
    }
    this.lightRefreshes++;
    entry.nextStatusAt = nowMs + this.timing.statusRefreshMs * (0.5 + Math.random());
    entry.nextLightAt = this.nextLightAt(nowMs);
    return true;
  }

  private nextLightAt(nowMs: number): number {
    return nowMs + (this.timing.lightRefreshMs ?? LIGHT_REFRESH_MS) * (0.5 + Math.random());
  }

  /** Take a fresh stat read; on exec (comm or the code and argv addresses changed) re-read the command line and the cgroup. */
  adoptStat(entry: Entry, stat: StatRaw, tail: StatTail, resident: number, nowMs: number): void {
    if (stat.comm !== entry.stat.comm || execMoved(entry.tail, tail)) {
      // An exec (or a rename, or argv moved): the command line may have changed with it, and so may
      // the cgroup (launchers such as systemd-run move the child into its scope just before exec).
      entry.cmdline = this.cmdlineOf(entry);
      this.refreshCgroup(entry);
    }
    this.takeStat(entry, stat, tail, resident, nowMs);
  }

  /** Keep a stat read (the first one, or a later one) and the statm pages read with it; the next is due in ~statRefreshMs. */
  takeStat(entry: Entry, stat: StatRaw, tail: StatTail, resident: number, nowMs: number): void {
    entry.stat = stat;
    entry.tail.threads = tail.threads;
    entry.residentAtStat = resident;
    if (tail.startCode === 0 && stat.state !== 'Z' && !stat.kernelThread) {
      // Caught mid-exec: the new image is in place but not yet its addresses (start_code is set
      // last, after argv), and the command line may read empty. Keep the old addresses and read stat
      // again next tick, which then sees them moved and re-reads the command line.
      entry.nextStatAt = 0;
      return;
    }
    entry.tail.startCode = tail.startCode;
    entry.tail.argStart = tail.argStart;
    entry.tail.argEnd = tail.argEnd;
    entry.nextStatAt = nowMs + this.timing.statRefreshMs * (0.5 + Math.random());
  }

  /**
   * The resident pages to use after a stat read: `resident` (the leader's statm), unless the leader
   * is a zombie while other threads run — then the pages read through one of them (file comment),
   * unless `resident` already was. Sets entry.liveTask either way.
   */
  afterStat(entry: Entry, stat: StatRaw, tail: StatTail, resident: number): number {
    if (stat.state !== 'Z' || tail.threads <= 1) {
      entry.liveTask = 0;
      return resident;
    }
    // Already read through a live thread (process-table.ts does that first on every tick).
    if (entry.liveTask !== 0) return resident;
    return this.liveResident(entry);
  }

  /** statm's resident pages through a live thread of a process whose leader is a zombie; 0 (and liveTask 0) when none is left. */
  liveResident(entry: Entry): number {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (entry.liveTask === 0) entry.liveTask = this.otherThread(entry.pid);
      if (entry.liveTask === 0) return 0;
      const pages = this.reader.resident(entry.pid, null, entry.liveTask);
      if (pages >= 0) return pages;
      // That thread exited: look once more for another.
      entry.liveTask = 0;
    }
    return 0;
  }

  /** A thread of the process other than its main one, or 0. */
  private otherThread(pid: number): number {
    try {
      for (const name of readdirSync(`/proc/${pid}/task`)) {
        const tid = Number(name);
        if (tid !== pid && tid > 0) return tid;
      }
    } catch (err) {
      this.reader.failed(err);
    }
    return 0;
  }

  /** The command line, through the live thread when the leader is a zombie; "" when unreadable. */
  cmdlineOf(entry: Entry): string {
    return this.reader.cmdline(entry.pid, entry.liveTask);
  }

  /** Re-read status and oom_score (and on `full`, oom_score_adj and the cgroup). False when the process vanished. */
  refreshStatus(entry: Entry, rss: number, nowMs: number, full: boolean): boolean {
    const base = `/proc/${entry.pid}/`;
    try {
      // A zombie leader's status has no memory lines: the live thread's has the process's.
      const s = this.reader.status(entry.pid, entry.liveTask);
      entry.tgid = s.tgid ?? entry.pid;
      if (s.uid !== null && (s.uid !== entry.uid || entry.user === '')) {
        entry.uid = s.uid;
        entry.user = this.users.nameOf(s.uid);
      }
      entry.anon = s.anonBytes;
      entry.file = s.fileBytes;
      entry.shmem = s.shmemBytes;
      entry.swap = s.swapBytes;
      entry.rssAtStatus = rss;
      entry.oomScore = this.reader.int(base + 'oom_score', entry.oomScore);
      if (full) {
        entry.oomScoreAdj = this.reader.int(base + 'oom_score_adj', entry.oomScoreAdj);
        entry.nextLightAt = this.nextLightAt(nowMs);
        this.setCgroup(entry, this.reader.cgroup(entry.pid));
        // A program may rewrite its command line in place (setproctitle: postgres, sshd, nginx)
        // without moving it, which no stat field shows; this refresh catches it (a resting process
        // cannot write it: its light refresh leaves it).
        entry.cmdline = this.cmdlineOf(entry);
        // Jitter spreads the refreshes of processes first seen together over many ticks.
        entry.nextStatusAt = nowMs + this.timing.statusRefreshMs * (0.5 + Math.random());
      }
      return true;
    } catch (err) {
      this.reader.failed(err);
      return false;
    }
  }

  /** Set an entry's cgroup, keeping the per-group member counts in step (group-members.ts). */
  private setCgroup(entry: Entry, path: string): void {
    if (path === entry.cgroup) return;
    this.groups.leave(entry.cgroup);
    entry.cgroup = this.groups.join(path);
  }

  /**
   * Re-read an entry's cgroup (on exec, and every tick while it is young): desktop launchers
   * (gnome-shell, KDE, systemd-run --scope) move a new app into its scope after it started, often
   * after its exec, and until the periodic refresh (~60 s) it would count as the launcher's app — the
   * one the guard would name.
   */
  refreshCgroup(entry: Entry): void {
    try {
      this.setCgroup(entry, this.reader.cgroup(entry.pid));
    } catch (err) {
      // Gone: the next statm read drops it.
      this.reader.failed(err);
    }
  }
}
