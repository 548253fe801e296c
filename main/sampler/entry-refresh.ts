/**
 * How the process table refreshes the parts of a known process it keeps (process-entry.ts): stat
 * (state, ppid, comm; on exec also the command line and the cgroup), status (the anon/file/shmem
 * split, swap, uid) with oom_score, and — on the periodic refresh — oom_score_adj and the cgroup.
 * process-table.ts decides when. A stat read, a full status refresh and a light one set when they
 * are due again, jittered ±50 % so processes first seen together spread over many ticks; a status
 * read because the RSS moved leaves the periodic one where it was.
 */
import type { GroupMembers } from './group-members';
import type { StatRaw } from './parse/stat';
import type { Entry } from './process-entry';
import type { ProcReader } from './proc-reader';
import type { UserNames } from './users';

/** Mean ages after which the periodic refreshes come due. */
export interface RefreshTiming {
  statRefreshMs: number;
  statusRefreshMs: number;
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
   * moved, nor its uid and name (it did not run). What others can change is oom_score_adj (then oom_score
   * with it) and its cgroup (a move). Two small reads instead of statm, status, oom_score,
   * oom_score_adj and cgroup. False when a read failed: the caller reads it fully (and sees it gone).
   */
  lightRefresh(entry: Entry, nowMs: number): boolean {
    const base = `/proc/${entry.pid}/`;
    try {
      const adj = this.reader.int(base + 'oom_score_adj', entry.oomScoreAdj);
      const cgroup = this.reader.cgroup(entry.pid);
      if (adj !== entry.oomScoreAdj) {
        entry.oomScoreAdj = adj;
        entry.oomScore = this.reader.int(base + 'oom_score', entry.oomScore);
        entry.row = null;
      }
      if (cgroup !== entry.cgroup) {
        this.setCgroup(entry, cgroup);
        entry.row = null;
      }
    } catch (err) {
      this.reader.failed(err);
      return false;
    }
    this.lightRefreshes++;
    entry.nextStatusAt = nowMs + this.timing.statusRefreshMs * (0.5 + Math.random());
    return true;
  }

  /** Take a fresh stat read; on exec (comm changed) re-read the command line and the cgroup. */
  adoptStat(entry: Entry, stat: StatRaw, resident: number, nowMs: number): void {
    if (stat.comm !== entry.stat.comm) {
      // comm changes on exec (or prctl): the command line may have changed with it, and so may the
      // cgroup (launchers such as systemd-run move the child into its scope just before exec).
      entry.cmdline = this.reader.cmdline(entry.pid);
      this.refreshCgroup(entry);
    }
    this.takeStat(entry, stat, resident, nowMs);
  }

  /** Keep a stat read (the first one, or a later one) and the statm pages read with it; the next is due in ~statRefreshMs. */
  takeStat(entry: Entry, stat: StatRaw, resident: number, nowMs: number): void {
    entry.stat = stat;
    entry.residentAtStat = resident;
    entry.nextStatAt = nowMs + this.timing.statRefreshMs * (0.5 + Math.random());
  }

  /** Re-read status and oom_score (and on `full`, oom_score_adj and the cgroup). False when the process vanished. */
  refreshStatus(entry: Entry, rss: number, nowMs: number, full: boolean): boolean {
    const base = `/proc/${entry.pid}/`;
    try {
      const s = this.reader.status(entry.pid);
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
        this.setCgroup(entry, this.reader.cgroup(entry.pid));
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
