/**
 * Reads every process cheaply, tick after tick.
 *
 * Per tick, each process costs one pread of /proc/PID/statm on an fd kept open since its first
 * sight (≈ 2 µs here; /proc/PID/stat costs ≈ 5 µs, open+read+close ≈ 7 µs). The fd refers to that
 * process's struct pid, so once the process is gone the read fails with ESRCH: a reused PID is
 * never misread as the old process. statm gives the RSS every tick — and it is the exact figure:
 * stat's rss field (24) reads the per-CPU counters approximately (seen here: 419 pages in stat vs
 * 446 in statm and status for the same idle `sleep`).
 *
 * /proc/PID/stat (state, ppid, session, comm) is re-read when the RSS changed since the last stat
 * read — a process whose memory changes, becomes a zombie (RSS 0) or execs — on the tick after its
 * parent exited (it was re-parented), and otherwise every ~20 s (statRefreshMs, jittered ±50 %). So
 * for an idle process the state can be up to ~30 s old (one in a group that did not run, below,
 * cannot change it); its ppid follows a re-parenting at once.
 * Beyond the fd budget, a process is read with open+read+close of stat every tick, and its start
 * time tells a reused PID apart.
 *
 * Not even statm is read for a process whose cgroup v2 group (≥ 2 known members, not the root)
 * did not run at all since the last tick (idle-groups.ts: its cpu.stat usage_usec did not move):
 * it cannot have grown, exited or exec'd, nor changed its stat line (state, comm, session), so its
 * row is the last one (the same object, when it was not growing). Its due status refresh reads
 * only oom_score_adj and the cgroup (what others change without it running) while it is untouched:
 * nothing reclaimed since its last statm read, which found the RSS of its last status read;
 * otherwise it is read fully. Exceptions: a zombie, a process
 * whose parent just exited, and a process first seen less than 30 s ago (youngMs; not those found on the first
 * read, which were there before Headroom): launchers (systemd scopes
 * for desktop apps) move a new process into its app's group and it execs and runs there while the
 * group it was first seen in may idle. Such a process is still read every ~10 s (idleReadMs, jittered ±50 %, so ≤ 15 s)
 * once the kernel reclaimed pages since its last read (/proc/vmstat's pgsteal_* and pswpout moved:
 * that is how long a shrink it did not cause — reclaim, swap-out — can go unseen), and every ~60 s
 * (quietReadMs, ≤ 90 s) while nothing was reclaimed: what is left then is rare (another process
 * truncating a file it maps). The periodic reads were a third of the sampler's CPU at 2,000 resting
 * processes (7.6 vs 5.1 ms a tick in-process, docs/BENCHMARKS.md). Processes in the root group
 * (everything, on a machine without systemd) are read every tick.
 *
 * Listing /proc (readdir, ≈ 1.3 µs a process) is skipped on ticks where fork-watch.ts proves no
 * task was created since the last one (the fork count in /proc/stat), or narrows the new PIDs to a
 * short stretch after the PID cursor (ns_last_pid), which is probed PID by PID (a thread's TID is
 * dropped by its Tgid). Exits need no listing: every known process is read each tick and a gone one
 * fails. Rows come out in ascending PID order either way (sorted when not); /proc is listed at
 * least every 10 s.
 *
 * Identity-stable data (cmdline, user, cgroup) is read once per (pid, start time); cmdline again
 * only when comm changes (an exec). The anon/file/shmem split and swap come from /proc/PID/status
 * (≈ 20 µs), re-read only when RSS moved by ≥ 1 MiB and ≥ 1/16 since, or every ~60 s
 * (statusRefreshMs); between those reads the split is the last one seen scaled to the current RSS
 * (RSS is exactly anon + file + shmem, so the scaled parts still add up), and swap is the last value
 * seen. oom_score is re-read with status; oom_score_adj and the cgroup with the periodic refresh,
 * and the cgroup also on exec (comm change). A process moved to another cgroup without exec'ing is
 * regrouped within ~90 s. These cadences are what the steady cost at 1 Hz is made of besides the statm
 * reads (docs/BENCHMARKS.md, "Steady cost"): stat every ~10 s and status every ~30 s cost ≈ 45 % of the
 * kernel's share at 2,000 idle processes.
 */
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { ForkWatch } from './fork-watch';
import { IdleGroups } from './idle-groups';
import type { StatRaw } from './parse/stat';
import { advanceGrowth, newEntry, rowOf, type Entry, type TableRow } from './process-entry';
import { isOutOfFds, ProcReader } from './proc-reader';
import type { Scratch } from './read-file';
import type { UserNames } from './users';

export type { TableRow } from './process-entry';

const MiB = 1 << 20;
/** Fds given back when the process runs out (EMFILE). */
const FD_RESERVE = 32;
/** Probing a PID costs ≈ 16× listing one: probe at most max(MIN_PROBE, known processes / 16) PIDs, else list. */
const MIN_PROBE = 16;

export interface ProcessTableOptions {
  /** How many /proc/PID/statm fds may stay open at once. */
  fdBudget: number;
  /** Mean age after which status, oom_score_adj and cgroup are re-read anyway. */
  statusRefreshMs: number;
  /** Mean age after which stat is re-read for a process whose RSS did not change. */
  statRefreshMs: number;
  cmdlineCap?: number;
  pageSize: number;
  /** Where cgroup v2 is mounted: processes of a group that did not run skip their statm read (idle-groups.ts). */
  cgroupV2Mount?: string | null;
  /** Mean age after which a process whose group did not run is read anyway, when pages were reclaimed since its last read. Default 10 s. */
  idleReadMs?: number;
  /** The same while the reclaim counter stood still since its last read. Default 60 s. */
  quietReadMs?: number;
  /** A process younger than this (since first seen) is read every tick whatever its group did. Default 30 s. */
  youngMs?: number;
}

/** The table of live processes; call read() once per tick, close() at the end. */
export class ProcessTable {
  private readonly entries = new Map<number, Entry>();
  private readonly forkWatch: ForkWatch;
  private readonly idleGroups: IdleGroups;
  private readonly reader: ProcReader;
  /** Known processes per cgroup path, kept in step by firstSight, setCgroup and forget. */
  private readonly groupMembers = new Map<string, number>();
  /** The one copy of each of those paths the entries share (setCgroup). */
  private readonly groupPaths = new Map<string, string>();
  /** statm reads skipped during the last read() because the process's group did not run. */
  skippedReads = 0;
  /** Due refreshes of resting processes done light (oom_score_adj and cgroup only) during the last read(). */
  lightRefreshes = 0;
  private openFds = 0;
  private fdBudget: number;
  private shrinks = 0;
  private tick = 0;
  /** Whether the last read() listed /proc (false: it read the known processes and probed fork-watch's candidates). */
  listed = false;
  /** This tick's reclaim counter (-1: unknown, i.e. assume pages were reclaimed). */
  private reclaim = -1;

  constructor(
    private readonly options: ProcessTableOptions,
    private readonly scratch: Scratch,
    private readonly users: UserNames,
  ) {
    this.fdBudget = options.fdBudget;
    this.reader = new ProcReader(scratch, () => this.shrinkFdBudget(), options.cmdlineCap);
    this.forkWatch = new ForkWatch(scratch);
    this.idleGroups = new IdleGroups(options.cgroupV2Mount ?? null, scratch);
  }

  /** Lines or files that could not be parsed during the current read(). */
  get malformed(): number {
    return this.reader.malformed;
  }

  /** How many /proc fds are open right now. */
  get fdsOpen(): number {
    return this.openFds;
  }

  /** How many fds it may keep open: the configured budget, lowered if the process ran out of fds. */
  get fdLimit(): number {
    return this.fdBudget;
  }

  /**
   * Read every visible user-space process; processes that vanish mid-read are skipped silently.
   * `reclaimed`: /proc/vmstat's reclaim counter read before this call (parse/vmstat.ts), or null.
   */
  read(nowMs: number, reclaimed: number | null = null): TableRow[] {
    this.tick++;
    this.reclaim = reclaimed ?? -1;
    this.reader.malformed = 0;
    const rows: TableRow[] = [];
    const exited: number[] = [];
    const plan = this.forkWatch.plan(nowMs, Math.max(MIN_PROBE, this.entries.size >> 4));
    this.listed = plan.list;
    // Which groups did not run since the last tick: read before any of their processes is.
    this.idleGroups.refresh(this.groupMembers);
    this.skippedReads = 0;
    this.lightRefreshes = 0;
    if (plan.list) {
      // Read in ascending PID order: readdirSync sorts the names as text ("10" before "9"), and rows
      // out of order made every listed tick sort them and rebuild the table's map.
      for (const pid of listPids()) {
        const row = this.readOne(pid, nowMs, exited);
        if (row) rows.push(row);
      }
      // Whatever we did not see this tick has exited: close its fd and forget it.
      for (const [pid, entry] of this.entries) {
        if (entry.seenTick === this.tick) continue;
        this.forget(pid, entry);
        exited.push(pid);
      }
    } else {
      // No listing: every known process is read anyway (a gone one fails), then the few PIDs that can be new.
      const visit = (pid: number): void => {
        const row = this.readOne(pid, nowMs, exited);
        if (row) rows.push(row);
      };
      // A PID re-read as a new process is deleted and inserted again (at the end): seenTick skips it then.
      for (const entry of this.entries.values()) if (entry.seenTick !== this.tick) visit(entry.pid);
      const absent: number[] = [];
      for (const pid of plan.candidates) {
        if (this.entries.has(pid)) continue;
        visit(pid);
        // Not a process (yet)? A thread's TID exists; a PID with nothing behind it is probed once more next tick.
        if (!this.entries.has(pid) && !existsSync(`/proc/${pid}`)) absent.push(pid);
      }
      this.forkWatch.notFound(absent);
    }
    // Ascending PIDs whichever way the table was read (a listing is read in PID order), so the order
    // never changes between ticks for nothing. Unordered known processes (a PID that wrapped around,
    // one re-read as a new process) are put in order once, so the next unlisted ticks visit them in
    // order and need no sort.
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.info.pid < rows[i - 1]!.info.pid) {
        rows.sort((a, b) => a.info.pid - b.info.pid);
        this.orderEntries();
        break;
      }
    }
    // Their children were re-parented (to init or a subreaper): re-read their stat on the next tick.
    if (exited.length > 0) {
      const gone = new Set(exited);
      for (const entry of this.entries.values()) if (entry.stat && gone.has(entry.stat.ppid)) entry.nextStatAt = 0;
    }
    return rows;
  }

  /** Re-insert the known processes in ascending PID order (a Map iterates in insertion order). */
  private orderEntries(): void {
    const sorted = [...this.entries.values()].sort((a, b) => a.pid - b.pid);
    this.entries.clear();
    for (const entry of sorted) this.entries.set(entry.pid, entry);
  }

  /** Close every fd. The table can be read again afterwards (it starts cold). */
  close(): void {
    for (const [pid, entry] of this.entries) this.forget(pid, entry);
    this.forkWatch.close();
    this.idleGroups.close();
  }

  private readOne(pid: number, nowMs: number, exited: number[]): TableRow | null {
    let entry = this.entries.get(pid);
    let rssPages = -1;
    // A resting process whose refresh is due: while nothing was taken from it (untouched), only what
    // others can change without it running is read (lightRefresh); else the full read below.
    if (entry && this.resting(entry, nowMs) && (nowMs < entry.nextStatusAt || this.lightRefresh(entry, nowMs))) {
      return this.restingRow(entry, nowMs);
    }
    if (entry) {
      rssPages = this.currentRss(entry, nowMs);
      if (rssPages < 0) {
        // Gone, or a new process under the same PID: start over for this PID.
        this.forget(pid, entry);
        exited.push(pid);
        entry = undefined;
      }
    }
    if (!entry) {
      const shrinks = this.shrinks;
      entry = this.firstSight(pid, nowMs) ?? undefined;
      // Ran out of fds half-way: the budget gave some back, so one more try reads it this tick.
      if (!entry && this.shrinks !== shrinks) entry = this.firstSight(pid, nowMs) ?? undefined;
      if (!entry) return null;
      rssPages = entry.residentAtStat;
    }
    entry.seenTick = this.tick;
    const jitter = 0.5 + Math.random();
    entry.nextReadAt = nowMs + (this.options.idleReadMs ?? 10_000) * jitter;
    entry.nextQuietReadAt = nowMs + (this.options.quietReadMs ?? 60_000) * jitter;
    entry.readReclaim = this.reclaim;
    if (entry.stat.kernelThread) return null;
    entry.row = this.toRow(entry, rssPages * this.options.pageSize, nowMs);
    return entry.row;
  }

  /** True when the process need not be read this tick: its group did not run and no refresh is due. */
  private resting(entry: Entry, nowMs: number): boolean {
    return (
      entry.fd !== null && nowMs < this.readDue(entry) && entry.nextStatAt !== 0 &&
      (nowMs < entry.nextStatusAt || this.untouched(entry)) &&
      entry.stat.state !== 'Z' && !entry.stat.kernelThread && nowMs - entry.firstSeenAt >= (this.options.youngMs ?? 30_000) &&
      this.idleGroups.idle(entry.cgroup)
    );
  }

  /** When a resting process must be read anyway: soon after pages were reclaimed since its last read, else much later. */
  private readDue(entry: Entry): number {
    return this.reclaim >= 0 && entry.readReclaim === this.reclaim ? entry.nextQuietReadAt : entry.nextReadAt;
  }

  /**
   * Whether nothing was taken from a resting process since its last status read: no page reclaimed
   * anywhere since its last statm read, and that read found the RSS of the status read. (Its group
   * did not run, so it gave or took nothing itself; a shrink from outside is reclaim or swap-out.)
   */
  private untouched(entry: Entry): boolean {
    return this.reclaim >= 0 && entry.readReclaim === this.reclaim && entry.residentAtStat * this.options.pageSize === entry.rssAtStatus;
  }

  /**
   * The due refresh of an untouched resting process: its RSS, split, swap and oom_score cannot have
   * moved, nor its uid and name (it did not run). What others can change is oom_score_adj (then oom_score
   * with it) and its cgroup (a move). Two small reads instead of statm, status, oom_score,
   * oom_score_adj and cgroup. False when a read failed: the caller reads it fully (and sees it gone).
   */
  private lightRefresh(entry: Entry, nowMs: number): boolean {
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
    entry.nextStatusAt = nowMs + this.options.statusRefreshMs * (0.5 + Math.random());
    return true;
  }

  /** The row of a resting process, not read: same RSS as last read (at most it shrank, seen by nextReadAt). */
  private restingRow(entry: Entry, nowMs: number): TableRow | null {
    this.skippedReads++;
    entry.seenTick = this.tick;
    const rss = entry.residentAtStat * this.options.pageSize;
    // The growth window still moves every tick, so a process that wakes up and grows shows its rate
    // over the last ticks, not diluted over its rest.
    const growth = advanceGrowth(entry, rss, nowMs);
    // Not growing: a fresh row would equal the last one field for field, so it is that one (never
    // mutated afterwards; group-apps.ts copies a row whose app changes).
    const last = entry.row;
    if (last && growth === 0 && last.info.growthBytesPerSec === 0 && last.info.rssBytes === rss) return last;
    entry.row = this.toRow(entry, rss, nowMs, growth);
    return entry.row;
  }

  /**
   * The resident pages now (statm), refreshing entry.stat when due; -1 when the process is gone or
   * is not the one we knew (different start time).
   */
  private currentRss(entry: Entry, nowMs: number): number {
    if (entry.fd === null) {
      // No kept fd: stat every tick, and the start time is what proves identity.
      const stat = this.reader.stat(entry.pid);
      if (!stat || stat.startTime !== entry.stat.startTime) return -1;
      const resident = this.reader.resident(entry.pid, null);
      if (resident < 0) return -1;
      this.adoptStat(entry, stat, resident, nowMs);
      return resident;
    }
    const resident = this.reader.resident(entry.pid, entry.fd);
    if (resident < 0) return -1;
    // A kernel thread's statm is all zeros; the successful read is all we need (it is alive and the same).
    if (entry.stat.kernelThread) return 0;
    // A process whose group did not run cannot have changed state, comm or session (only its ppid,
    // when its parent exits: nextStatAt 0), so its periodic stat refresh waits until its group runs.
    const statDue = nowMs >= entry.nextStatAt && (entry.nextStatAt === 0 || !this.idleGroups.idle(entry.cgroup));
    if (resident !== entry.residentAtStat || statDue) {
      const stat = this.reader.stat(entry.pid);
      if (!stat || stat.startTime !== entry.stat.startTime) return -1;
      this.adoptStat(entry, stat, resident, nowMs);
    }
    return resident;
  }

  private adoptStat(entry: Entry, stat: StatRaw, resident: number, nowMs: number): void {
    if (stat.comm !== entry.stat.comm) {
      // comm changes on exec (or prctl): the command line may have changed with it, and so may the
      // cgroup (launchers such as systemd-run move the child into its scope just before exec).
      entry.cmdline = this.reader.cmdline(entry.pid);
      this.refreshCgroup(entry);
    }
    entry.stat = stat;
    entry.residentAtStat = resident;
    entry.nextStatAt = nowMs + this.options.statRefreshMs * (0.5 + Math.random());
  }

  private firstSight(pid: number, nowMs: number): Entry | null {
    // Open the kept fd BEFORE reading stat: the start time read afterwards then belongs to the fd's
    // process or to a later one (PID reused in between) — and in that case the fd fails with ESRCH
    // on the next tick and this PID is read afresh. The same order as pidfd_open → start time.
    let fd: number | null = null;
    if (this.openFds < this.fdBudget) {
      try {
        fd = openSync(`/proc/${pid}/statm`, 'r');
        this.openFds++;
      } catch (err) {
        if (!isOutOfFds(err)) {
          this.reader.failed(err);
          return null;
        }
        this.shrinkFdBudget();
      }
    }
    const entry = newEntry(pid, fd, this.tick === 1 ? -Infinity : nowMs, this.tick);
    this.entries.set(pid, entry);
    this.countMember(entry.cgroup, 1);
    const stat = this.reader.stat(pid);
    const resident = stat ? this.reader.resident(pid, fd) : -1;
    if (!stat || resident < 0) {
      this.forget(pid, entry);
      return null;
    }
    entry.stat = stat;
    entry.residentAtStat = resident;
    entry.nextStatAt = nowMs + this.options.statRefreshMs * (0.5 + Math.random());
    if (stat.kernelThread) return entry;
    // Everything identity-stable, read once now; a process that vanishes meanwhile is dropped.
    // A TID probed as a possibly new PID (fork-watch.ts) opens like a process: only a thread group leader is one.
    if (!this.refreshStatus(entry, resident * this.options.pageSize, nowMs, true) || entry.tgid !== pid) {
      this.forget(pid, entry);
      return null;
    }
    entry.cmdline = this.reader.cmdline(pid);
    return entry;
  }

  /**
   * The row for this tick; `growth` when the caller already advanced the growth window. A row equal
   * in every field to the last one is that one: rows are never mutated once returned (group-apps.ts
   * copies a row whose app changes), so the delta encoder sees it unchanged by identity, and no
   * object that lives exactly one tick is made — such objects were most of what the worker's young
   * generation promoted into its old one (docs/BENCHMARKS.md, "Footprint, fourth pass").
   */
  private toRow(entry: Entry, rss: number, nowMs: number, growth?: number): TableRow | null {
    const moved = Math.abs(rss - entry.rssAtStatus);
    const due = nowMs >= entry.nextStatusAt;
    if (due || moved >= Math.max(MiB, entry.rssAtStatus / 16)) {
      if (!this.refreshStatus(entry, rss, nowMs, due)) return null;
    }
    return rowOf(entry, rss, growth ?? advanceGrowth(entry, rss, nowMs), entry.row);
  }

  /** Re-read status and oom_score (and on `full`, oom_score_adj and the cgroup). False when the process vanished. */
  private refreshStatus(entry: Entry, rss: number, nowMs: number, full: boolean): boolean {
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
        entry.nextStatusAt = nowMs + this.options.statusRefreshMs * (0.5 + Math.random());
      }
      return true;
    } catch (err) {
      this.reader.failed(err);
      return false;
    }
  }

  /**
   * Set an entry's cgroup and keep the per-group member counts (idle-groups.ts watches groups of ≥ 2)
   * in step. Every entry of a group holds the same copy of its path: the parsed one is a slice of the
   * whole /proc/PID/cgroup text (~200 bytes with the v1 lines), which it would keep alive — 2,000
   * processes held ~0.4 MiB of such texts in the worker's heap.
   */
  private setCgroup(entry: Entry, path: string): void {
    if (path === entry.cgroup) return;
    this.countMember(entry.cgroup, -1);
    let own = this.groupPaths.get(path);
    if (own === undefined) this.groupPaths.set((own = Buffer.from(path, 'utf8').toString('utf8')), own);
    entry.cgroup = own;
    this.countMember(own, 1);
  }

  private countMember(path: string, by: number): void {
    const n = (this.groupMembers.get(path) ?? 0) + by;
    if (n > 0) {
      this.groupMembers.set(path, n);
    } else {
      this.groupMembers.delete(path);
      this.groupPaths.delete(path);
    }
  }

  private refreshCgroup(entry: Entry): void {
    try {
      this.setCgroup(entry, this.reader.cgroup(entry.pid));
    } catch (err) {
      // Gone: the next statm read drops it.
      this.reader.failed(err);
    }
  }

  /**
   * Out of fds: give some back (the rest of the app, and our own status reads, need them more) and
   * keep fewer from now on. Processes that lose their kept fd are read with open+read+close.
   */
  private shrinkFdBudget(): void {
    this.shrinks++;
    this.fdBudget = Math.max(0, this.openFds - FD_RESERVE);
    for (const entry of this.entries.values()) {
      if (this.openFds <= this.fdBudget) break;
      if (entry.fd !== null) {
        closeSync(entry.fd);
        entry.fd = null;
        this.openFds--;
      }
    }
  }

  private forget(pid: number, entry: Entry): void {
    if (entry.fd !== null) {
      closeSync(entry.fd);
      entry.fd = null;
      this.openFds--;
    }
    if (this.entries.get(pid) !== entry) return;
    this.entries.delete(pid);
    this.countMember(entry.cgroup, -1);
  }
}

/** The PIDs in /proc, ascending. */
function listPids(): Int32Array {
  const names = readdirSync('/proc');
  const pids = new Int32Array(names.length);
  let n = 0;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids[n++] = Number(name);
  }
  return pids.subarray(0, n).sort();
}
