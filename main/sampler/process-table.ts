/**
 * Reads every process cheaply, tick after tick.
 *
 * Per tick, each process costs one pread of /proc/PID/statm on an fd kept open since its first
 * sight (≈ 2 µs here; /proc/PID/stat costs ≈ 5 µs, open+read+close ≈ 7 µs), which fails once the
 * process is gone, so a reused PID is never misread as the old process (statm-fds.ts; beyond the
 * fd budget, stat is read every tick and the start time tells a reused PID apart). statm gives the
 * RSS every tick — and it is the exact figure:
 * stat's rss field (24) reads the per-CPU counters approximately (seen here: 419 pages in stat vs
 * 446 in statm and status for the same idle `sleep`).
 *
 * /proc/PID/stat (state, ppid, session, comm) is re-read when the RSS changed since the last stat
 * read — a process whose memory changes, becomes a zombie (RSS 0) or execs — on the tick after its
 * parent exited (it was re-parented), and otherwise every ~20 s (statRefreshMs, jittered ±50 %). So
 * for an idle process the state can be up to ~30 s old (one in a group that did not run, below,
 * cannot change it); its ppid follows a re-parenting at once.
 *
 * A process whose cgroup v2 group did not run since the last tick rests: not even statm is read,
 * and its row is the last one (resting.ts says when, and what is still read). Processes in the
 * root group (everything, on a machine without systemd) are read every tick.
 *
 * Listing /proc (readdir, ≈ 1.3 µs a process) is skipped on ticks where fork-watch.ts proves no
 * task was created since the last one (the fork count in /proc/stat), or narrows the new PIDs to a
 * short stretch after the PID cursor (ns_last_pid), which is probed PID by PID (a thread's TID is
 * dropped by its Tgid). Exits need no listing: every known process is read each tick and a gone one
 * fails. Rows come out in ascending PID order either way (sorted when not); /proc is listed at
 * least every 10 s.
 *
 * Identity-stable data (cmdline, user, cgroup) is read once per (pid, start time); cmdline again
 * only on an exec, told by the stat line read anyway: comm, or the code and argv addresses
 * (parse/stat-tail.ts), which also move when argv is moved (prctl PR_SET_MM_*). The anon/file/shmem split and swap come from /proc/PID/status
 * (≈ 20 µs), re-read only when RSS moved by ≥ 1 MiB and ≥ 1/16 since, or every ~60 s
 * (statusRefreshMs); between those reads the split is the last one seen scaled to the current RSS
 * (RSS is exactly anon + file + shmem, so the scaled parts still add up), and swap is the last value
 * seen. oom_score is re-read with status; oom_score_adj and the cgroup with the periodic refresh,
 * and the cgroup also on exec and on every tick while the process is young (first seen
 * < 30 s ago, youngMs: launchers move a new app into its scope, often after its exec). An older
 * process moved to another cgroup without exec'ing is regrouped on the next tick when it leaves or
 * joins a watched group (one whose members may rest: idle-groups.ts compares its member list every
 * tick, every ⌈members / 500⌉ ticks in a larger group), else within ~90 s (it is read every tick meanwhile, only counted in its old app). These cadences are
 * what the steady cost at 1 Hz is made of besides the statm reads (docs/BENCHMARKS.md, "Steady
 * cost"): stat every ~10 s and status every ~30 s cost ≈ 45 % of the kernel's share at 2,000 idle
 * processes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { EntryRefresh } from './entry-refresh';
import { ForkWatch } from './fork-watch';
import { GroupMembers } from './group-members';
import { IdleGroups } from './idle-groups';
import { advanceGrowth, newEntry, rowOf, type Entry, type TableRow } from './process-entry';
import { newStatTail } from './parse/stat-tail';
import { isOutOfFds, ProcReader } from './proc-reader';
import type { Scratch } from './read-file';
import { readAgainLater, rests, type RestContext } from './resting';
import { StatmFds } from './statm-fds';
import type { UserNames } from './users';

export type { TableRow } from './process-entry';

const MiB = 1 << 20;
/** Probing a PID costs ≈ 16× listing one: probe at most max(MIN_PROBE, known processes / 16) PIDs, else list. */
const MIN_PROBE = 16;

export interface ProcessTableOptions {
  /** How many /proc/PID/statm fds may stay open at once. */
  fdBudget: number;
  /** Mean age after which status, oom_score_adj and cgroup are re-read anyway. */
  statusRefreshMs: number;
  /** Mean age after which a resting process's oom_score_adj is re-read (entry-refresh.ts LIGHT_REFRESH_MS, 10 min). */
  lightRefreshMs?: number;
  /** Mean age after which stat is re-read for a process whose RSS did not change. */
  statRefreshMs: number;
  cmdlineCap?: number;
  pageSize: number;
  /** Where cgroup v2 is mounted: processes of a group that did not run skip their statm read (resting.ts). */
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
  /** Known processes per cgroup path, kept in step by firstSight, the refreshes (entry-refresh.ts) and forget. */
  private readonly groups = new GroupMembers();
  private readonly fds: StatmFds;
  private readonly refresh: EntryRefresh;
  /** What resting.ts decides with; its reclaim counter is this tick's. */
  private readonly rest: RestContext;
  /** The fields past parse/stat.ts's of the last stat read (ProcReader.stat). */
  private readonly tail = newStatTail();
  /** statm reads skipped during the last read() because the process's group did not run. */
  skippedReads = 0;
  private tick = 0;
  /** Processes that became zombies this tick: their children were re-parented (see readOne). */
  private readonly parentsGone: number[] = [];
  /** Whether the last read() listed /proc (false: it read the known processes and probed fork-watch's candidates). */
  listed = false;

  constructor(
    private readonly options: ProcessTableOptions,
    private readonly scratch: Scratch,
    users: UserNames,
  ) {
    this.fds = new StatmFds(options.fdBudget, () => this.entries.values());
    this.reader = new ProcReader(scratch, () => this.fds.shrink(), options.cmdlineCap);
    this.refresh = new EntryRefresh(this.reader, users, this.groups, options);
    this.forkWatch = new ForkWatch(scratch);
    this.idleGroups = new IdleGroups(options.cgroupV2Mount ?? null, scratch);
    this.rest = {
      reclaim: -1,
      pageSize: options.pageSize,
      youngMs: options.youngMs ?? 30_000,
      idleReadMs: options.idleReadMs ?? 10_000,
      quietReadMs: options.quietReadMs ?? 60_000,
      groups: this.idleGroups,
    };
  }

  /** Lines or files that could not be parsed during the current read(). */
  get malformed(): number {
    return this.reader.malformed;
  }

  /** Due refreshes of resting processes done light (oom_score_adj only) during the last read(). */
  get lightRefreshes(): number {
    return this.refresh.lightRefreshes;
  }

  /** How many /proc fds are open right now. */
  get fdsOpen(): number {
    return this.fds.open;
  }

  /** How many fds it may keep open: the configured budget, lowered if the process ran out of fds. */
  get fdLimit(): number {
    return this.fds.limit;
  }

  /**
   * Read every visible user-space process; processes that vanish mid-read are skipped silently.
   * `nowMs` is a monotonic clock (the sampler's performance.now()): every due time is set and compared
   * on it. `reclaimed`: /proc/vmstat's reclaim counter read before this call (parse/vmstat.ts), or null.
   */
  read(nowMs: number, reclaimed: number | null = null): TableRow[] {
    this.tick++;
    this.rest.reclaim = reclaimed ?? -1;
    this.reader.malformed = 0;
    const rows: TableRow[] = [];
    const exited: number[] = [];
    const plan = this.forkWatch.plan(nowMs, Math.max(MIN_PROBE, this.entries.size >> 4));
    this.listed = plan.list;
    // Which groups did not run since the last tick: read before any of their processes is.
    this.idleGroups.refresh(this.groups.counts);
    for (const path of this.idleGroups.moved) this.regroup(path);
    this.skippedReads = 0;
    this.refresh.lightRefreshes = 0;
    if (plan.list) {
      // Read in ascending PID order: readdirSync sorts the names as text ("10" before "9"), and rows
      // out of order made every listed tick sort them and rebuild the table's map.
      for (const pid of this.listPids()) {
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
    if (exited.length > 0 || this.parentsGone.length > 0) {
      const gone = new Set([...exited, ...this.parentsGone]);
      this.parentsGone.length = 0;
      for (const entry of this.entries.values()) if (entry.stat && gone.has(entry.stat.ppid)) entry.nextStatAt = 0;
    }
    return rows;
  }

  /**
   * Someone moved processes into or out of a watched group (idle-groups.ts): each process the table
   * holds there but that is no longer listed, or listed there but held elsewhere, is read this tick
   * (nextStatAt 0: statm on its kept fd and stat, so a gone process or a reused PID is found first) and
   * its cgroup re-read right after — where it then runs, grows or exits is seen on this tick or the next.
   */
  private regroup(path: string): void {
    const listed = this.idleGroups.membersOf(path);
    for (const entry of this.entries.values()) {
      if ((entry.cgroup === path) === listed.has(entry.pid) || entry.stat.kernelThread) continue;
      entry.nextStatAt = 0;
      entry.regroup = true;
    }
  }

  /**
   * /proc's PIDs. Listing takes an fd: when the process has none left (EMFILE, ENFILE: other parts of
   * the app used them since the last tick), the statm budget gives some back and it is tried once more.
   */
  private listPids(): Int32Array {
    try {
      return listPids();
    } catch (err) {
      if (!isOutOfFds(err)) throw err;
      this.fds.shrink();
      return listPids();
    }
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
    if (entry && rests(entry, nowMs, this.rest) && (nowMs < entry.nextStatusAt || this.refresh.lightRefresh(entry, nowMs))) {
      return this.restingRow(entry, nowMs);
    }
    if (entry) {
      const wasZombie = entry.stat.state === 'Z';
      rssPages = this.currentRss(entry, nowMs);
      // Its children are re-parented when it exits, not when it is reaped: a zombie parent can stay
      // for good (a subreaper that never waits), and its children showed it as their parent.
      if (!wasZombie && rssPages >= 0 && entry.stat.state === 'Z') this.parentsGone.push(pid);
      if (rssPages < 0) {
        // Gone, or a new process under the same PID: start over for this PID.
        this.forget(pid, entry);
        exited.push(pid);
        entry = undefined;
      } else if (entry.regroup || (nowMs - entry.firstSeenAt < this.rest.youngMs && !entry.stat.kernelThread)) {
        // Young: a launcher may still move it into its app's group (entry-refresh.ts refreshCgroup).
        // Or moved in or out of a watched group by someone (regroup).
        entry.regroup = false;
        this.refresh.refreshCgroup(entry);
      }
    }
    if (!entry) {
      const shrinks = this.fds.shrinks;
      entry = this.firstSight(pid, nowMs) ?? undefined;
      // Ran out of fds half-way: the budget gave some back, so one more try reads it this tick.
      if (!entry && this.fds.shrinks !== shrinks) entry = this.firstSight(pid, nowMs) ?? undefined;
      if (!entry) return null;
      rssPages = entry.residentAtStat;
    }
    entry.seenTick = this.tick;
    readAgainLater(entry, nowMs, this.rest);
    if (entry.stat.kernelThread) return null;
    entry.row = this.toRow(entry, rssPages * this.options.pageSize, nowMs);
    return entry.row;
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
      const stat = this.reader.stat(entry.pid, this.tail);
      if (!stat || stat.startTime !== entry.stat.startTime) return -1;
      let resident = this.reader.resident(entry.pid, null);
      if (resident < 0) return -1;
      if (entry.liveTask !== 0) resident = this.refresh.liveResident(entry);
      resident = this.refresh.afterStat(entry, stat, this.tail, resident);
      this.refresh.adoptStat(entry, stat, this.tail, resident, nowMs);
      return resident;
    }
    let resident = this.reader.resident(entry.pid, entry.fd);
    if (resident < 0) return -1;
    // A kernel thread's statm is all zeros; the successful read is all we need (it is alive and the same).
    if (entry.stat.kernelThread) return 0;
    // Its main thread exited while others run: the leader's statm reads 0, the process's is a thread's.
    if (entry.liveTask !== 0) resident = this.refresh.liveResident(entry);
    // A process whose group did not run cannot have changed state, comm or session (only its ppid,
    // when its parent exits: nextStatAt 0), so its periodic stat refresh waits until its group runs.
    const statDue = nowMs >= entry.nextStatAt && (entry.nextStatAt === 0 || !this.idleGroups.idle(entry.cgroup));
    if (resident !== entry.residentAtStat || statDue) {
      const stat = this.reader.stat(entry.pid, this.tail);
      if (!stat || stat.startTime !== entry.stat.startTime) return -1;
      // Its main thread may just have exited while others run: then a live thread's statm counts.
      resident = this.refresh.afterStat(entry, stat, this.tail, resident);
      this.refresh.adoptStat(entry, stat, this.tail, resident, nowMs);
    }
    return resident;
  }

  private firstSight(pid: number, nowMs: number): Entry | null {
    // Open the kept fd BEFORE reading stat: the start time read afterwards then belongs to the fd's
    // process or to a later one (PID reused in between) — and in that case the fd fails with ESRCH
    // on the next tick and this PID is read afresh. The same order as pidfd_open → start time.
    let fd: number | null;
    try {
      fd = this.fds.openFor(pid);
    } catch (err) {
      this.reader.failed(err);
      return null;
    }
    const entry = newEntry(pid, fd, this.tick === 1 ? -Infinity : nowMs, this.tick);
    this.entries.set(pid, entry);
    entry.cgroup = this.groups.join(entry.cgroup);
    const stat = this.reader.stat(pid, this.tail);
    let resident = stat ? this.reader.resident(pid, fd) : -1;
    if (!stat || resident < 0) {
      this.forget(pid, entry);
      return null;
    }
    resident = this.refresh.afterStat(entry, stat, this.tail, resident);
    this.refresh.takeStat(entry, stat, this.tail, resident, nowMs);
    if (stat.kernelThread) return entry;
    // Everything identity-stable, read once now; a process that vanishes meanwhile is dropped.
    // A TID probed as a possibly new PID (fork-watch.ts) opens like a process: only a thread group leader is one.
    if (!this.refresh.refreshStatus(entry, resident * this.options.pageSize, nowMs, true) || entry.tgid !== pid) {
      this.forget(pid, entry);
      return null;
    }
    entry.cmdline = this.refresh.cmdlineOf(entry);
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
      if (!this.refresh.refreshStatus(entry, rss, nowMs, due)) return null;
    }
    return rowOf(entry, rss, growth ?? advanceGrowth(entry, rss, nowMs), entry.row);
  }

  private forget(pid: number, entry: Entry): void {
    this.fds.release(entry);
    if (this.entries.get(pid) !== entry) return;
    this.entries.delete(pid);
    this.groups.leave(entry.cgroup);
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
