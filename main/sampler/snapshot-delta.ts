/**
 * The sampler worker → main thread hop sends what changed, not the whole snapshot.
 *
 * A 2,000-process snapshot is ≈ 560 KiB in structured-clone form: serialising it cost the worker
 * 3.6–4.1 ms a tick and deserialising it the main thread 2.7–5.7 ms (docs/BENCHMARKS.md, "Sampler on
 * a worker thread"), plus the garbage of 2,000 fresh objects on each side — for rows that, on an idle
 * desktop, almost never change. So the worker (SnapshotEncoder) keeps the last rows it sent and
 * posts a SnapshotDelta: the small top-level fields as they are, the processes' PIDs in order (an
 * Int32Array, copied as one block), and only the process and app rows that are new or differ in any
 * field. The main thread (SnapshotDecoder) keeps the rows by key and rebuilds a complete Snapshot,
 * equal field for field to the one the sampler produced (test/sampler/snapshot-delta.test.ts checks
 * it on a real process table with exits and a reused PID).
 *
 * Identity: a process row is keyed by PID, and a row whose startTime differs (a reused PID) differs
 * in a field, so it is sent and replaces the old one: a new process is never shown with an old
 * one's data. Apps are keyed by id. Unchanged rows are the same (never mutated) objects from one
 * snapshot to the next, which also spares the main thread's garbage collector.
 *
 * The first message of every worker is full (`full: true`, every row sent) and resets the decoder,
 * so a restarted worker (after stop() or a crash) can never be mixed with an older one's rows.
 * This is internal to main/ (one process, two threads, messages we produced ourselves); the window
 * hop has its own, validated delta in the contract.
 */
import type { AppInfo, ProcessInfo, Snapshot } from '../../contract/snapshot';

/** One tick as the worker posts it. */
export interface SnapshotDelta {
  /** True when every row is included and the decoder must forget what it had. */
  full: boolean;
  /** The snapshot without its rows. */
  head: Omit<Snapshot, 'processes' | 'apps'>;
  /** Every process's PID, in the snapshot's order. */
  pids: Int32Array;
  /** Process rows that are new or changed since the last delta. */
  processes: ProcessInfo[];
  /** Every app's id, in the snapshot's order. */
  appIds: string[];
  /** App rows that are new or changed since the last delta. */
  apps: AppInfo[];
}

/** Every field sameProcess compares; the type below fails to compile when ProcessInfo gains one it misses. */
const _COMPARED_PROCESS_FIELDS = [
  'pid', 'startTime', 'rssBytes', 'growthBytesPerSec', 'state', 'ppid', 'anonBytes', 'fileBytes', 'shmemBytes', 'swapBytes', 'oomScore',
  'oomScoreAdj', 'uid', 'user', 'comm', 'cmdline', 'cgroup', 'appId',
] as const;
type UncomparedProcessField = Exclude<keyof ProcessInfo, (typeof _COMPARED_PROCESS_FIELDS)[number]>;
/** Compiles only while every ProcessInfo field is compared. */
export const EVERY_PROCESS_FIELD_COMPARED: [UncomparedProcessField] extends [never] ? true : never = true;

/** True when two process rows are equal in every field (written out: a loop over the keys costs 3× here). */
export function sameProcess(a: ProcessInfo, b: ProcessInfo): boolean {
  return a === b || (a.appId === b.appId && sameProcessButApp(a, b));
}

/**
 * True when two process rows are equal in every field but `appId` (sameProcess adds the app id;
 * process-entry.ts's rowOf asks it before building a row, whose app group-apps.ts sets).
 */
export function sameProcessButApp(a: ProcessInfo, b: ProcessInfo): boolean {
  return (
    a.pid === b.pid && a.startTime === b.startTime && a.rssBytes === b.rssBytes && a.growthBytesPerSec === b.growthBytesPerSec &&
    a.state === b.state && a.ppid === b.ppid && a.anonBytes === b.anonBytes && a.fileBytes === b.fileBytes && a.shmemBytes === b.shmemBytes &&
    a.swapBytes === b.swapBytes && a.oomScore === b.oomScore && a.oomScoreAdj === b.oomScoreAdj && a.uid === b.uid && a.user === b.user &&
    a.comm === b.comm && a.cmdline === b.cmdline && a.cgroup === b.cgroup
  );
}

function samePsiLine(a: NonNullable<AppInfo['pressure']>['some'], b: NonNullable<AppInfo['pressure']>['some']): boolean {
  return a.avg10 === b.avg10 && a.avg60 === b.avg60 && a.avg300 === b.avg300 && a.totalUs === b.totalUs && a.tickPct === b.tickPct;
}

/** True when two app rows are equal in every field (pids and pressure included). */
export function sameApp(a: AppInfo, b: AppInfo): boolean {
  if (
    a.id !== b.id || a.name !== b.name || a.kind !== b.kind || a.cgroup !== b.cgroup || a.rssBytes !== b.rssBytes ||
    a.anonBytes !== b.anonBytes || a.swapBytes !== b.swapBytes || a.processCount !== b.processCount ||
    a.growthBytesPerSec !== b.growthBytesPerSec || a.user !== b.user || a.uid !== b.uid || a.pids.length !== b.pids.length
  ) {
    return false;
  }
  for (let i = 0; i < a.pids.length; i++) if (a.pids[i] !== b.pids[i]) return false;
  const p = a.pressure;
  const q = b.pressure;
  if (p === null || q === null) return p === q;
  if (!samePsiLine(p.some, q.some)) return false;
  if (p.full === null || q.full === null) return p.full === q.full;
  return samePsiLine(p.full, q.full);
}

function headOf(s: Snapshot): SnapshotDelta['head'] {
  return { seq: s.seq, time: s.time, intervalMs: s.intervalMs, psi: s.psi, memory: s.memory, features: s.features, sampleMs: s.sampleMs, malformed: s.malformed };
}

/** The worker's side: remembers the rows it sent and turns each snapshot into a delta. */
export class SnapshotEncoder {
  private processes = new Map<number, ProcessInfo>();
  private apps = new Map<string, AppInfo>();
  private sentOnce = false;
  /** The PIDs of the last delta, in order, and whether they ascend. */
  private lastPids = new Int32Array(0);
  private lastAscending = true;

  /** The delta from the last encoded snapshot (everything, the first time). */
  encode(snapshot: Snapshot): SnapshotDelta {
    const full = !this.sentOnce;
    this.sentOnce = true;
    const rows = snapshot.processes;
    const pids = new Int32Array(rows.length);
    const changed: ProcessInfo[] = [];
    const last = this.lastPids;
    let samePids = !full && rows.length === last.length;
    let ascending = true;
    for (let i = 0; i < rows.length; i++) {
      const p = rows[i]!;
      pids[i] = p.pid;
      if (samePids && last[i] !== p.pid) samePids = false;
      if (i > 0 && pids[i - 1]! >= p.pid) ascending = false;
      const before = this.processes.get(p.pid);
      if (full || !before || !sameProcess(before, p)) changed.push(p);
    }
    if (samePids || (ascending && this.lastAscending)) {
      // The same PIDs (most ticks), or other PIDs in ascending order, as the process table sends
      // them: update the kept rows in place instead of building a 2,000-entry map — on a machine
      // where a process starts or ends every second that was a new map a tick, garbage that lived
      // long enough to be promoted. Every row is kept as the object sent this tick, so the next
      // comparison is by identity where the sampler reused it.
      for (const p of rows) if (this.processes.get(p.pid) !== p) this.processes.set(p.pid, p);
      // The rows of PIDs gone: one walk over both ascending lists.
      if (!samePids) {
        for (let i = 0, j = 0; i < last.length; i++) {
          const pid = last[i]!;
          while (j < pids.length && pids[j]! < pid) j++;
          if (j === pids.length || pids[j] !== pid) this.processes.delete(pid);
        }
      }
    } else {
      this.processes = new Map();
      for (const p of rows) this.processes.set(p.pid, p);
    }
    this.lastAscending = ascending;
    // Kept apart: the delta's own array is transferred to the main thread (and so emptied here).
    this.lastPids = pids.slice();
    const appIds: string[] = new Array(snapshot.apps.length);
    const changedApps: AppInfo[] = [];
    const nextApps = new Map<string, AppInfo>();
    snapshot.apps.forEach((a, i) => {
      appIds[i] = a.id;
      const before = this.apps.get(a.id);
      if (full || !before || !sameApp(before, a)) changedApps.push(a);
      nextApps.set(a.id, a);
    });
    this.apps = nextApps;
    return { full, head: headOf(snapshot), pids, processes: changed, appIds, apps: changedApps };
  }
}

/** Thrown when a delta refers to a row the decoder never received (a lost or reordered message). */
export class DeltaGapError extends Error {}

/** The main thread's side: keeps the rows and rebuilds complete snapshots. */
export class SnapshotDecoder {
  private apps = new Map<string, AppInfo>();
  private synced = false;
  /** The kept rows: the last rebuilt process list and its PIDs. */
  private lastProcesses: ProcessInfo[] = [];
  private lastPids = new Int32Array(0);
  /**
   * Each PID's index in the last list, only while its PIDs do not ascend; while they do (as the
   * process table sends them) a PID is found by binary search, so no 2,000-entry map is kept, nor
   * built again on every tick where a process started or ended.
   */
  private indexOf: Map<number, number> | null = null;

  /** Forget every row: the next delta must be full (a new worker). */
  reset(): void {
    this.apps = new Map();
    this.synced = false;
    this.lastProcesses = [];
    this.lastPids = new Int32Array(0);
    this.indexOf = null;
  }

  /** The complete snapshot a delta stands for; throws DeltaGapError when it cannot be rebuilt. */
  apply(delta: SnapshotDelta): Snapshot {
    if (delta.full) this.reset();
    else if (!this.synced) throw new DeltaGapError('a partial snapshot arrived before a full one');
    // Until this delta is fully applied, only a full one is accepted (the kept rows change only at the end).
    this.synced = false;
    const same = this.sameOrder(delta.pids);
    const processes = same ? this.patched(delta.processes) : this.rebuilt(delta);
    const changedApps = new Map<string, AppInfo>();
    for (const a of delta.apps) changedApps.set(a.id, a);
    const nextApps = new Map<string, AppInfo>();
    const apps: AppInfo[] = new Array(delta.appIds.length);
    for (let i = 0; i < delta.appIds.length; i++) {
      const id = delta.appIds[i]!;
      const row = changedApps.get(id) ?? this.apps.get(id);
      if (!row) throw new DeltaGapError(`app ${id} was never sent`);
      apps[i] = row;
      nextApps.set(id, row);
    }
    this.apps = nextApps;
    this.lastProcesses = processes;
    if (!same) {
      this.lastPids = delta.pids.slice();
      this.indexOf = indexUnlessAscending(this.lastPids);
    }
    this.synced = true;
    const h = delta.head;
    // The sampler's own key order, so the rebuilt snapshot serialises exactly like the original.
    return { seq: h.seq, time: h.time, intervalMs: h.intervalMs, psi: h.psi, memory: h.memory, processes, apps, features: h.features, sampleMs: h.sampleMs, malformed: h.malformed };
  }

  /** True when the PIDs are the last delta's, in the same order. */
  private sameOrder(pids: Int32Array): boolean {
    const last = this.lastPids;
    let same = pids.length === last.length;
    for (let i = 0; i < pids.length && same; i++) same = pids[i] === last[i];
    return same;
  }

  /** Where a PID is in the last list, or -1. */
  private find(pid: number): number {
    if (this.indexOf) return this.indexOf.get(pid) ?? -1;
    const pids = this.lastPids;
    let lo = 0;
    let hi = pids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = pids[mid]!;
      if (at === pid) return mid;
      if (at < pid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The last list with the changed rows put in their places (the same PIDs: nothing can be missing). */
  private patched(changed: ProcessInfo[]): ProcessInfo[] {
    const processes = this.lastProcesses.slice();
    for (const p of changed) {
      const i = this.find(p.pid);
      // A row for a PID not in the list is not part of the snapshot (the general path drops it too).
      if (i >= 0) processes[i] = p;
    }
    return processes;
  }

  /** The list built row by row from the changed rows and the kept ones. */
  private rebuilt(delta: SnapshotDelta): ProcessInfo[] {
    const changed = new Map<number, ProcessInfo>();
    for (const p of delta.processes) changed.set(p.pid, p);
    const processes: ProcessInfo[] = new Array(delta.pids.length);
    for (let i = 0; i < delta.pids.length; i++) {
      const pid = delta.pids[i]!;
      let row = changed.get(pid);
      if (!row) {
        const kept = this.find(pid);
        if (kept < 0) throw new DeltaGapError(`process ${pid} was never sent`);
        row = this.lastProcesses[kept]!;
      }
      processes[i] = row;
    }
    return processes;
  }
}

/** A PID → index map of a list whose PIDs do not ascend; null when they do (binary search finds them). */
function indexUnlessAscending(pids: Int32Array): Map<number, number> | null {
  let ascending = true;
  for (let i = 1; i < pids.length && ascending; i++) ascending = pids[i - 1]! < pids[i]!;
  if (ascending) return null;
  const indexOf = new Map<number, number>();
  for (let i = 0; i < pids.length; i++) indexOf.set(pids[i]!, i);
  return indexOf;
}
