/**
 * Whether /proc must be listed this tick, or which few PIDs can be new.
 *
 * Listing /proc (readdir) costs ≈ 1.3 µs per process here (≈ 2.6 ms a tick at 2,000), and on most
 * ticks it only confirms what the table already knows: exits are found anyway, because every known
 * process is read through its kept fd each tick and that read fails (ESRCH) once it is gone. What
 * a listing adds is the new processes. Two cheap counters say where they can be:
 *
 * - `processes` in /proc/stat: every task (process or thread) ever created on the machine, in any
 *   PID namespace (≈ 7 µs a read). Unchanged since the last tick → nothing was created: no listing.
 * - /proc/sys/kernel/ns_last_pid: the last PID the allocator of OUR PID namespace handed out (≈ 2 µs).
 *   PIDs are handed out cyclically upwards from there (the next free one), so every PID created
 *   since the last tick lies in (last, now] going round at pid_max — provided the cursor did not
 *   go all the way round, which needs at least pid_max − (tasks alive) allocations; the fork count
 *   bounds them. A short interval is probed PID by PID (the table opens each one; a thread's TID
 *   is found there too and dropped); a long one is listed.
 *
 * Each task created in our namespace moves the cursor at least one step, so more new tasks than
 * steps means some got a PID another way (clone3's set_tid, for checkpoint/restore) or were made in
 * a namespace beside ours: then /proc is listed too.
 *
 * The two reads are not one snapshot, and a fork is not one step (PID → visible in /proc → counted).
 * So "nothing new" needs BOTH the count and the cursor unchanged (a fork counted between the two
 * reads has a PID past the cursor kept: the next tick sees the cursor moved and probes it), and a
 * probed PID with nothing behind it yet is probed once more on the next tick (a fork that had its
 * PID but was not in /proc yet) — decidePlan and notFound, each tested on the exact orderings.
 *
 * ns_last_pid is the reader's namespace, which is only the one /proc shows when /proc/self/status
 * has a single NSpid entry (e.g. not under `unshare --pid` without a fresh /proc mount): otherwise
 * only the fork count is used. What remains: a privileged writer of ns_last_pid (checkpoint/restore)
 * that moves the cursor back, forks, and moves it forward again can place a PID outside the
 * interval — a full listing every fullListMs (10 s) bounds that. The first tick always lists.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { preadCounter, type Scratch } from './read-file';

/** What the table must do this tick: list /proc, or read only these PIDs besides the ones it knows. */
export type ListPlan = { list: true } | { list: false; candidates: number[] };

const LIST: ListPlan = { list: true };
const NOTHING_NEW: ListPlan = { list: false, candidates: [] };

/** Decides, tick by tick, whether the process table has to list /proc. */
export class ForkWatch {
  private statFd: number | null = null;
  private cursorFd: number | null = null;
  private loadFd: number | null = null;
  private pidMax = 0;
  private forks = -1;
  private cursor = -1;
  private nextListAt = 0;
  private opened = false;
  private retry: number[] = [];
  private fresh = new Set<number>();

  constructor(
    private readonly scratch: Scratch,
    private readonly fullListMs = 10_000,
  ) {}

  private open(): void {
    this.opened = true;
    try {
      this.statFd = openSync('/proc/stat', 'r');
      this.loadFd = openSync('/proc/loadavg', 'r');
      if (sameNamespaceAsProc()) {
        this.pidMax = readPidMax();
        this.cursorFd = openSync('/proc/sys/kernel/ns_last_pid', 'r');
      }
    } catch {
      // Without these counters (an unusual /proc): list every tick, as before.
    }
  }

  /**
   * The plan for this tick. `probeLimit` is how many PIDs are worth probing instead of listing
   * (probing one costs several times what listing one does).
   */
  plan(nowMs: number, probeLimit: number): ListPlan {
    if (!this.opened) this.open();
    // Cursor first: a fork between the two reads shows in the count; its PID lies past the cursor
    // kept, and the next tick sees the cursor moved (decidePlan: both must stand still for "nothing new").
    const cursor = this.readCounter(this.cursorFd, '');
    const forks = this.readCounter(this.statFd, 'processes ');
    const previous = { forks: this.forks, cursor: this.cursor };
    this.forks = forks;
    this.cursor = cursor;
    const retry = this.retry;
    this.retry = [];
    if (nowMs >= this.nextListAt) return this.listed(nowMs);
    if (this.pidMax > 0 && cursor >= this.pidMax) {
      // pid_max was raised since: take the new one and list this time.
      this.pidMax = readPidMax();
      return this.listed(nowMs);
    }
    const moved = forks !== previous.forks || cursor !== previous.cursor;
    const tasks = moved && cursor >= 0 ? this.readCounter(this.loadFd, '/') : -1;
    const plan = decidePlan(previous, { forks, cursor, tasks }, this.pidMax, probeLimit);
    if (plan.list) return this.listed(nowMs);
    this.fresh = new Set(plan.candidates);
    if (retry.length === 0) return plan;
    const candidates = plan.candidates.length === 0 ? retry : [...new Set([...retry, ...plan.candidates])];
    return { list: false, candidates };
  }

  /**
   * PIDs probed this tick that did not exist (yet): probed once more on the next tick. A fork gets
   * its PID (the cursor moves) before it can be found in /proc, so one caught in between would
   * otherwise fall before the next tick's interval.
   */
  notFound(pids: readonly number[]): void {
    // Once only: a PID whose fork failed, or whose task already exited, is not probed for ever.
    this.retry = pids.filter((pid) => this.fresh.has(pid));
    this.fresh.clear();
  }

  /** Close the kept fds; the next plan() opens them again and lists. */
  close(): void {
    for (const fd of [this.statFd, this.cursorFd, this.loadFd]) if (fd !== null) closeSync(fd);
    this.statFd = this.cursorFd = this.loadFd = null;
    this.forks = this.cursor = -1;
    this.retry = [];
    this.opened = false;
  }

  private listed(nowMs: number): ListPlan {
    this.nextListAt = nowMs + this.fullListMs;
    return LIST;
  }

  /** The counter after `key` in the file behind fd (read-file.ts preadCounter); -1 without the fd. */
  private readCounter(fd: number | null, key: string): number {
    return fd === null ? -1 : preadCounter(fd, this.scratch, key);
  }
}

/** The counters of one tick: total forks, the PID cursor (-1: not usable), tasks alive (-1: not read). */
export interface ForkCounters {
  forks: number;
  cursor: number;
  tasks?: number;
}

/**
 * The decision alone, from the last tick's counters and this tick's (pure, so the orderings a race
 * can produce are tested one by one): nothing new only when neither the fork count nor the cursor
 * moved; else the interval (previous cursor, cursor] when it is short and accounts for every new
 * task; else a listing.
 */
export function decidePlan(previous: ForkCounters, now: ForkCounters, pidMax: number, probeLimit: number): ListPlan {
  if (now.forks < 0 || previous.forks < 0) return LIST;
  if (now.forks === previous.forks && (now.cursor === previous.cursor || now.cursor < 0)) return NOTHING_NEW;
  if (now.cursor < 0 || previous.cursor < 0 || pidMax <= 0 || now.cursor >= pidMax) return LIST;
  const span = (now.cursor - previous.cursor + pidMax) % pidMax;
  const newTasks = now.forks - previous.forks;
  // The cursor moves at least once per allocation plus once per PID in use it steps over: fewer
  // than pid_max moves in all means it did not go round, and (previous, now] holds every new PID.
  const tasks = now.tasks ?? -1;
  if (span > probeLimit || tasks < 0 || newTasks + tasks >= pidMax) return LIST;
  // More tasks than cursor steps: some were given PIDs without the cursor (clone3's set_tid, used by
  // checkpoint/restore) or live in a namespace beside ours — list.
  if (newTasks > span) return LIST;
  const candidates: number[] = [];
  for (let i = 1; i <= span; i++) {
    const pid = (previous.cursor + i) % pidMax;
    if (pid > 0) candidates.push(pid);
  }
  return { list: false, candidates };
}

/** /proc/sys/kernel/pid_max, or 0 when it cannot be read (then the fork count alone decides). */
function readPidMax(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** True when /proc shows the PID namespace this process lives in (one NSpid entry for ourselves). */
function sameNamespaceAsProc(): boolean {
  const line = /^NSpid:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!line) return true; // Kernels before 4.1 have no NSpid and no PID namespaces in practice here.
  const ids = line[1]!.trim().split(/\s+/);
  return ids.length === 1 && Number(ids[0]) === process.pid;
}
