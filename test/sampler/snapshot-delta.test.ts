// The worker → main thread delta (main/sampler/snapshot-delta.ts): a stream of deltas rebuilds
// exactly the snapshots the sampler produced — on the real process table, through exits, new
// processes and a PID really reused by a new process — and unchanged rows are not sent again.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppInfo, ProcessInfo, Snapshot } from '../../contract/snapshot';
import { createSampler } from '../../main/sampler';
import { DeltaGapError, SnapshotDecoder, SnapshotEncoder, type SnapshotDelta } from '../../main/sampler/snapshot-delta';
import { killChildren, startIdleChildren } from '../support/idle-children';

const children: ChildProcess[] = [];
afterAll(() => killChildren(children));

/** Send through structured clone, as postMessage does, so nothing is shared by reference by accident. */
function overThePort(delta: SnapshotDelta): SnapshotDelta {
  return structuredClone(delta);
}

function roundTrip(encoder: SnapshotEncoder, decoder: SnapshotDecoder, s: Snapshot): { rebuilt: Snapshot; delta: SnapshotDelta } {
  const delta = overThePort(encoder.encode(s));
  const rebuilt = decoder.apply(delta);
  // Equal field for field, and serialised byte for byte (same key order).
  expect(rebuilt).toEqual(s);
  expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(s));
  return { rebuilt, delta };
}

function proc(pid: number, startTime: number, rssBytes = 1000, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid, ppid: 1, uid: 1000, user: 'u', comm: `p${pid}`, cmdline: `p${pid} --x`, startTime, state: 'S', rssBytes, anonBytes: rssBytes, fileBytes: 0,
    shmemBytes: 0, swapBytes: 0, oomScore: 0, oomScoreAdj: 0, cgroup: '/', appId: `tree:${pid}:${startTime}`, growthBytesPerSec: 0, ...extra,
  };
}

function app(id: string, pids: number[], rssBytes: number): AppInfo {
  return { id, name: id, kind: 'tree', cgroup: null, rssBytes, anonBytes: rssBytes, swapBytes: 0, processCount: pids.length, pids, growthBytesPerSec: 0, user: 'u', uid: 1000, pressure: null };
}

function snap(seq: number, processes: ProcessInfo[], apps: AppInfo[]): Snapshot {
  return {
    seq, time: 1_700_000_000_000 + seq * 1000, intervalMs: 1000, psi: null,
    memory: { totalBytes: 8, availableBytes: 4, freeBytes: 2, cachedBytes: 1, dirtyBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0, zram: [], rates: { majorFaultsPerSec: null, refaultsPerSec: null, oomKillsPerSec: null }, oomKills: 0 },
    processes, apps,
    features: { psi: false, cgroupV2Mount: null, pidfd: true, processMrelease: true, cgroupKill: false, hidepid: false, kernel: '6.1' },
    sampleMs: 1.5, malformed: 0,
  };
}

describe('snapshot deltas (synthetic tables)', () => {
  it('sends every row first, then only new and changed ones; removed rows vanish; a reused PID replaces the old row', () => {
    const enc = new SnapshotEncoder();
    const dec = new SnapshotDecoder();
    const a = proc(10, 100);
    const b = proc(11, 100);
    const c = proc(12, 100);
    const first = roundTrip(enc, dec, snap(0, [a, b, c], [app('x', [10, 11, 12], 3000)]));
    expect(first.delta.full).toBe(true);
    expect(first.delta.processes).toHaveLength(3);

    // Nothing changed: no rows on the wire, and the main thread reuses its row objects.
    const same = roundTrip(enc, dec, snap(1, [{ ...a }, { ...b }, { ...c }], [app('x', [10, 11, 12], 3000)]));
    expect(same.delta.full).toBe(false);
    expect(same.delta.processes).toHaveLength(0);
    expect(same.delta.apps).toHaveLength(0);
    expect(same.rebuilt.processes[0]).toBe(first.rebuilt.processes[0]);

    // b grows, c exits, 13 starts, and PID 10 now belongs to a new process (another start time).
    const reused = proc(10, 555, 1000, { comm: 'other' });
    const next = roundTrip(enc, dec, snap(2, [reused, { ...b, rssBytes: 9000 }, proc(13, 200)], [app('x', [10, 11, 13], 11000)]));
    expect(next.delta.processes.map((p) => p.pid).sort()).toEqual([10, 11, 13]);
    expect(next.rebuilt.processes.find((p) => p.pid === 10)).toMatchObject({ startTime: 555, comm: 'other' });
    expect(next.rebuilt.processes.some((p) => p.pid === 12)).toBe(false);
    expect(next.delta.apps).toHaveLength(1);

    // Order changes alone are carried by the PID list.
    roundTrip(enc, dec, snap(3, [proc(13, 200), { ...b, rssBytes: 9000 }, reused], [app('x', [13, 11, 10], 11000)]));
  });

  it('patches rows in place while the PIDs stay the same, and never changes a snapshot already handed out', () => {
    const enc = new SnapshotEncoder();
    const dec = new SnapshotDecoder();
    let rows = [proc(10, 100), proc(11, 100), proc(12, 100), proc(13, 100)];
    const handedOut: { rebuilt: Snapshot; copy: string }[] = [];
    const tick = (seq: number, next: ProcessInfo[]): SnapshotDelta => {
      rows = next;
      const { rebuilt, delta } = roundTrip(enc, dec, snap(seq, rows, [app('x', rows.map((r) => r.pid), 1)]));
      handedOut.push({ rebuilt, copy: JSON.stringify(rebuilt) });
      return delta;
    };
    tick(0, rows);
    // Same PIDs, same order: one row changes (first, middle, last), the others travel as nothing.
    for (const [seq, i] of [[1, 0], [2, 2], [3, 3]] as const) {
      const next = rows.slice();
      next[i] = { ...next[i]!, rssBytes: next[i]!.rssBytes + 4096 };
      expect(tick(seq, next).processes).toEqual([next[i]]);
    }
    // Equal by value but a new object: not sent.
    expect(tick(4, rows.map((r) => ({ ...r }))).processes).toEqual([]);
    // The same set in another order, then a PID gone and a new one, then the same PIDs again.
    tick(5, [rows[1]!, rows[0]!, rows[2]!, rows[3]!]);
    tick(6, [rows[0]!, rows[1]!, rows[3]!, proc(14, 200)]);
    const next = rows.slice();
    next[3] = { ...next[3]!, state: 'R' };
    expect(tick(7, next).processes).toEqual([next[3]]);
    // Every snapshot handed out earlier still reads exactly as it did.
    for (const h of handedOut) expect(JSON.stringify(h.rebuilt)).toBe(h.copy);
  });

  it('notices a change in any single field of a process or an app, pressure included', () => {
    const enc = new SnapshotEncoder();
    const dec = new SnapshotDecoder();
    const base = proc(20, 1);
    const pressured: AppInfo = { ...app('cg:/a.scope', [20], 1000), kind: 'scope', cgroup: '/a.scope', pressure: { some: { avg10: 1, avg60: 1, avg300: 1, totalUs: 5, tickPct: 0.5 }, full: null } };
    roundTrip(enc, dec, snap(0, [base], [pressured]));
    const variants: Partial<ProcessInfo>[] = [
      { ppid: 2 }, { uid: 0 }, { user: 'root' }, { comm: 'x' }, { cmdline: '' }, { state: 'Z' }, { rssBytes: 1 }, { anonBytes: 1 }, { fileBytes: 1 },
      { shmemBytes: 1 }, { swapBytes: 1 }, { oomScore: 1 }, { oomScoreAdj: -1 }, { cgroup: '/b' }, { appId: 'y' }, { growthBytesPerSec: 0.5 },
    ];
    let seq = 1;
    for (const v of variants) {
      const { delta } = roundTrip(enc, dec, snap(seq++, [{ ...base, ...v }], [pressured]));
      expect(delta.processes).toHaveLength(1);
      roundTrip(enc, dec, snap(seq++, [base], [pressured]));
    }
    const appVariants: Partial<AppInfo>[] = [
      { name: 'n' }, { rssBytes: 2 }, { anonBytes: 2 }, { swapBytes: 2 }, { growthBytesPerSec: 1 }, { user: 'v' }, { uid: 3 }, { pids: [21] },
      { pressure: { some: { avg10: 1, avg60: 1, avg300: 1, totalUs: 6, tickPct: 0.5 }, full: null } },
      { pressure: { some: { avg10: 1, avg60: 1, avg300: 1, totalUs: 5, tickPct: 0.5 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0, tickPct: null } } },
      { pressure: null },
    ];
    for (const v of appVariants) {
      const { delta } = roundTrip(enc, dec, snap(seq++, [base], [{ ...pressured, ...v }]));
      expect(delta.apps).toHaveLength(1);
      roundTrip(enc, dec, snap(seq++, [base], [pressured]));
    }
  });

  it('refuses a partial delta before a full one, and a row it never received, instead of inventing data', () => {
    const enc = new SnapshotEncoder();
    enc.encode(snap(0, [proc(30, 1)], []));
    const partial = enc.encode(snap(1, [proc(30, 1), proc(31, 1)], []));
    expect(() => new SnapshotDecoder().apply(partial)).toThrow(DeltaGapError);

    const dec = new SnapshotDecoder();
    const enc2 = new SnapshotEncoder();
    dec.apply(enc2.encode(snap(0, [proc(40, 1)], [])));
    const lying: SnapshotDelta = { ...enc2.encode(snap(1, [proc(40, 1)], [])), pids: Int32Array.of(40, 41) };
    expect(() => dec.apply(lying)).toThrow(/process 41 was never sent/);
    // After a gap only a full delta is accepted; a fresh encoder (what 'resync' does) heals it.
    expect(() => dec.apply(enc2.encode(snap(2, [proc(40, 1)], [])))).toThrow(DeltaGapError);
    expect(dec.apply(new SnapshotEncoder().encode(snap(3, [proc(40, 1)], []))).processes).toHaveLength(1);
  });
});

describe('snapshot deltas on the real process table', () => {
  it('rebuild every tick exactly through exits, new processes and a reused PID', async () => {
    await startIdleChildren(60, children, 120);
    const sampler = createSampler();
    const enc = new SnapshotEncoder();
    const dec = new SnapshotDecoder();
    try {
      let { delta } = roundTrip(enc, dec, sampler.sample());
      expect(delta.full).toBe(true);
      // Warm ticks on an idle table send only a few rows (the machine's busy processes), not all of them.
      await new Promise((r) => setTimeout(r, 300));
      const warm = roundTrip(enc, dec, sampler.sample());
      expect(warm.delta.processes.length).toBeLessThan(warm.rebuilt.processes.length / 2);

      // 20 exit, 20 new ones start.
      const exiting = children.slice(0, 20);
      const gone = exiting.map((c) => c.pid!);
      await killChildren(exiting);
      children.splice(0, 20);
      await startIdleChildren(20, children, 120);
      ({ delta } = roundTrip(enc, dec, sampler.sample()));
      const rebuiltPids = new Set(dec.apply(enc.encode(sampler.sample())).processes.map((p) => p.pid));
      for (const pid of gone) {
        // A gone PID may only be present again as a different process (reuse: checked below).
        if (rebuiltPids.has(pid)) expect(children.some((c) => c.pid === pid)).toBe(true);
      }
      for (const c of children.slice(-20)) expect(rebuiltPids.has(c.pid!)).toBe(true);

      // PID reuse for real: end one child and have the kernel hand its PID to a new process.
      const reused = await reusePid(children);
      if (reused) {
        const { rebuilt } = roundTrip(enc, dec, sampler.sample());
        const row = rebuilt.processes.find((p) => p.pid === reused.pid)!;
        expect(row.startTime).toBe(reused.newStartTime);
        expect(row.startTime).not.toBe(reused.oldStartTime);
        expect(row.cmdline).toContain('headroom-delta-reuse');
      }
      // Root with CAP_SYS_ADMIN (this machine) can steer the next PID; without it the reuse step cannot run.
      if (process.getuid!() === 0) expect(reused).not.toBeNull();
    } finally {
      sampler.close();
    }
  });
});

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/**
 * Kill one of our children and start a new process under the same PID by writing ns_last_pid
 * (root only). Other programs fork too, so it may take a few tries; null when it never worked.
 */
async function reusePid(from: ChildProcess[]): Promise<{ pid: number; oldStartTime: number; newStartTime: number } | null> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const victim = from.shift()!;
    const pid = victim.pid!;
    const oldStartTime = startTimeOf(pid);
    await killChildren([victim]);
    // The sampler has seen it alive (previous tick). A few clock ticks later (start times count 10 ms
    // ticks), make the next PID handed out be this one.
    await new Promise((r) => setTimeout(r, 30));
    try {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    } catch {
      return null;
    }
    const child = spawn('sleep', ['120'], { stdio: 'ignore', argv0: 'headroom-delta-reuse' });
    child.on('error', () => {});
    from.push(child);
    if (child.pid === pid) return { pid, oldStartTime, newStartTime: startTimeOf(pid) };
  }
  return null;
}
