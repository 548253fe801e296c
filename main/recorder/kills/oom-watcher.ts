/**
 * Noticing kills by others, one tick at a time, on the snapshot the sampler already made:
 * - the kernel OOM killer: `oom_kill` in /proc/vmstat (snapshot.memory.oomKills) moves, and
 *   /dev/kmsg (read without blocking, kmsg.ts) names the victim, its anon RSS and the memory cgroup
 *   that ran out. Where the log is not readable, the victim is the largest process (by anon memory)
 *   that vanished between the two snapshots — said as "probably" in the marker.
 * - systemd-oomd: its D-Bus `Killed` signal (oomd-monitor.ts) names the cgroup it ended.
 * Each becomes a marker (kind oom-kill / oomd-kill) with a one-line explanation and the victim; the
 * cgroup's own count (v2 memory.events / v1 memory.oom_control `oom_kill`) is added when readable.
 */
import { readFileSync } from 'node:fs';
import type { RecordedEvent } from '../../../contract/record';
import type { ProcessInfo, Snapshot } from '../../../contract/snapshot';
import { KmsgReader, type KernelKill } from './kmsg';

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/**
 * The OOM kills counted in a cgroup so far: cgroup v2 `memory.events` (oom_kill), else v1
 * `memory.oom_control` (oom_kill); null where neither is readable. Read only when a kill happened.
 */
export function cgroupOomKills(path: string | null): number | null {
  if (!path || path.includes('..')) return null;
  const candidates = [
    [`/sys/fs/cgroup${path}/memory.events`, `/sys/fs/cgroup/unified${path}/memory.events`],
    [`/sys/fs/cgroup/memory${path}/memory.oom_control`],
  ].flat();
  for (const file of candidates) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      // Not this layout.
    }
  }
  return null;
}

function inCgroupNote(path: string | null): string {
  const n = cgroupOomKills(path);
  return n === null ? '' : ` (${n} OOM kill${n === 1 ? '' : 's'} there so far)`;
}

/** Wall-clock ms of a kmsg time (µs since boot, the monotonic clock). */
function wallTimeOf(timeUs: number, now = Date.now()): number {
  const monotonicUs = Number(process.hrtime.bigint() / 1000n);
  return Math.round(now - Math.max(0, monotonicUs - timeUs) / 1000);
}

/** The marker for a kill the kernel logged. */
export function markerForKernelKill(kill: KernelKill, availableBeforeBytes: number, time = wallTimeOf(kill.timeUs)): RecordedEvent {
  const anon = kill.anonBytes !== null ? `, ${mib(kill.anonBytes)} anon` : '';
  const where = kill.memcg === null ? '' : kill.memcg === '/' ? ' (system-wide out of memory)' : ` in memory cgroup ${kill.memcg}${inCgroupNote(kill.memcg)}`;
  return {
    time: Math.max(0, time),
    kind: 'oom-kill',
    label: kill.name,
    detail: `Kernel OOM killer ended ${kill.name} (PID ${kill.pid}${anon})${where}`,
    freedBytes: kill.anonBytes ?? 0,
    mreleaseMs: null,
    availableBeforeBytes,
    recoveredMs: null,
    victim: { pid: kill.pid, name: kill.name, uid: kill.uid, anonBytes: kill.anonBytes, cgroup: kill.memcg, source: 'kmsg' },
  };
}

/**
 * The processes of `before` gone in `after` (same PID and start time) or left there as zombies, largest
 * anon first (as `before` saw them: a zombie has no memory left).
 */
export function vanishedProcesses(before: readonly ProcessInfo[], after: readonly ProcessInfo[]): ProcessInfo[] {
  const still = new Set(after.filter((p) => p.state !== 'Z' && p.state !== 'X').map((p) => `${p.pid}:${p.startTime}`));
  return before.filter((p) => !still.has(`${p.pid}:${p.startTime}`)).sort((a, b) => b.anonBytes - a.anonBytes);
}

/** The marker for a kill counted in /proc/vmstat but not logged where we can read: the likeliest victim. */
export function markerForVanished(victim: ProcessInfo | undefined, time: number, availableBeforeBytes: number): RecordedEvent {
  return {
    time,
    kind: 'oom-kill',
    label: victim?.comm ?? 'unknown process',
    detail: victim
      ? `Kernel OOM killer ended a process: probably ${victim.comm} (PID ${victim.pid}, ${mib(victim.anonBytes)} anon), the largest that vanished, in cgroup ${victim.cgroup || '/'}${inCgroupNote(victim.cgroup || null)}`
      : 'Kernel OOM killer ended a process that was not seen (it lived less than a tick, and the kernel log is not readable)',
    freedBytes: victim?.anonBytes ?? 0,
    mreleaseMs: null,
    availableBeforeBytes,
    recoveredMs: null,
    victim: victim ? { pid: victim.pid, name: victim.comm, uid: victim.uid, anonBytes: victim.anonBytes, cgroup: victim.cgroup || null, source: 'vanished' } : null,
  };
}

/** Watches for kernel OOM kills across ticks. */
export class OomWatcher {
  private readonly kmsg: KmsgReader;
  private kmsgOpen = false;
  private previous: Snapshot | null = null;
  private pending: { base: Snapshot; time: number; count: number; ticksLeft: number } | null = null;
  /** Why the kernel log is not used, or null. */
  note: string | null = null;

  constructor(kmsgPath = '/dev/kmsg') {
    this.kmsg = new KmsgReader(kmsgPath);
  }

  /** Open the kernel log at its end. */
  start(): void {
    this.note = this.kmsg.open();
    this.kmsgOpen = this.note === null;
  }

  /** The kills noticed with this tick. */
  tick(snapshot: Snapshot): RecordedEvent[] {
    const previous = this.previous;
    this.previous = snapshot;
    const before = previous?.memory.availableBytes ?? snapshot.memory.availableBytes;
    if (this.kmsgOpen) {
      return this.kmsg.readKills().map((k) => {
        const marker = markerForKernelKill(k, before);
        // Never after the tick that saw it (the two clocks differ by a few ms).
        return { ...marker, time: Math.min(marker.time, snapshot.time) };
      });
    }
    const now = snapshot.memory.oomKills;
    const then = previous?.memory.oomKills;
    if (previous && now !== null && then !== null && then !== undefined && now > then) {
      // The counter moves at the kill; the victim leaves /proc a little later (it may linger as a
      // zombie until its parent reaps it), so the kill is named over the next few ticks.
      if (this.pending) this.pending.count += now - then;
      else this.pending = { base: previous, time: snapshot.time, count: now - then, ticksLeft: 8 };
    }
    const pending = this.pending;
    if (!pending) return [];
    const gone = vanishedProcesses(pending.base.processes, snapshot.processes);
    pending.ticksLeft--;
    if (gone.length < pending.count && pending.ticksLeft > 0) return [];
    this.pending = null;
    const out: RecordedEvent[] = [];
    for (let i = 0; i < Math.min(pending.count, 16); i++) out.push(markerForVanished(gone[i], pending.time, pending.base.memory.availableBytes));
    return out;
  }

  stop(): void {
    this.kmsg.close();
    this.kmsgOpen = false;
  }
}
