// Snapshot deltas against real sampler output: the real /proc of this machine, with real children
// started and killed between ticks and a hog whose memory grows. A receiver that follows the
// deltas (through JSON, as the wire carries them) must hold exactly the full snapshot every tick.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { applyDelta, DeltaError, diffSnapshots, SnapshotDeltaSchema, type SnapshotDelta } from '../../contract/delta';
import { SnapshotSchema, type Snapshot } from '../../contract/snapshot';
import { createSampler, detectFeatures, type Sampler } from '../../main/sampler';
import { startHog, stopAllHogs } from '../support/hogs';
import { killChildren, startIdleChildren } from '../support/idle-children';

const samplers: Sampler[] = [];
const children: ChildProcess[] = [];
const features = detectFeatures();

afterEach(async () => {
  await stopAllHogs();
  await killChildren(children);
  for (const s of samplers.splice(0)) s.close();
});

function sampler(): Sampler {
  // Refresh stat/status often so ticks carry real field changes (state, ppid, oom scores).
  const s = createSampler({ features, statRefreshMs: 200, statusRefreshMs: 400 });
  samplers.push(s);
  return s;
}

/** What the wire does to a value: JSON out and back (drops -0, undefined). */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function killSome(list: ChildProcess[], count: number): void {
  for (const c of list.splice(0, count)) if (c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sample `ticks` times with the process table changing in between (children start and exit, a hog
 * grows). Returns the full snapshots.
 */
async function liveStream(ticks: number): Promise<Snapshot[]> {
  const s = sampler();
  const batches: ChildProcess[][] = [];
  const hog = startHog({ mib: 48, rateMiBps: 24, lifetimeSec: 60 });
  const out: Snapshot[] = [SnapshotSchema.parse(s.sample())];
  for (let t = 1; t < ticks; t++) {
    const batch: ChildProcess[] = [];
    await startIdleChildren(t % 3 === 0 ? 0 : 5, batch, 60);
    children.push(...batch);
    batches.push(batch);
    if (t >= 2) killSome(batches[t - 2]!, 3);
    await sleep(60);
    out.push(SnapshotSchema.parse(s.sample()));
  }
  await hog.ready.catch(() => {});
  return out;
}

describe('snapshot deltas over real sampler output', () => {
  it('a receiver following deltas over JSON holds exactly the full snapshot every tick, with processes starting and exiting', async () => {
    const stream = await liveStream(12);
    let received = wire(stream[0]!);
    let added = 0;
    let removed = 0;
    let changed = 0;
    for (let i = 1; i < stream.length; i++) {
      const delta = diffSnapshots(stream[i - 1]!, stream[i]!);
      const onWire = SnapshotDeltaSchema.parse(wire(delta));
      received = applyDelta(received, onWire);
      expect(received).toEqual(wire(stream[i]!));
      added += delta.processes.added.length;
      removed += delta.processes.removed.length;
      changed += delta.processes.changed.length;
    }
    // The stream really exercised additions, exits and changes (not a quiet table that proves nothing).
    expect(added).toBeGreaterThanOrEqual(30);
    expect(removed).toBeGreaterThanOrEqual(15);
    expect(changed).toBeGreaterThan(0);
  });

  it('applied in memory, the result is deep-equal and reuses every unchanged row object', async () => {
    const stream = await liveStream(4);
    let state = stream[0]!;
    for (let i = 1; i < stream.length; i++) {
      const delta = diffSnapshots(stream[i - 1]!, stream[i]!);
      const next = applyDelta(state, delta);
      expect(next).toEqual(stream[i]);
      const touched = new Set([...delta.processes.changed, ...delta.processes.added.map((a) => a.row)].map((p) => `${p.pid}:${p.startTime}`));
      const before = new Map(state.processes.map((p) => [`${p.pid}:${p.startTime}`, p]));
      for (const p of next.processes) {
        const key = `${p.pid}:${p.startTime}`;
        if (!touched.has(key)) expect(p).toBe(before.get(key));
      }
      state = next;
    }
  });

  it('a reused PID (same pid, new start time) is a removal plus an addition, never a change', async () => {
    const s = sampler();
    const prev = s.sample();
    const next = s.sample();
    const victim = next.processes.find((p) => p.pid !== process.pid && p.pid !== 1)!;
    const reused = { ...victim, startTime: victim.startTime + 1234, comm: 'reused', cmdline: 'reused pid' };
    const nextWithReuse: Snapshot = { ...next, processes: next.processes.map((p) => (p === victim ? reused : p)) };
    const delta = diffSnapshots(prev, nextWithReuse);
    expect(delta.processes.removed).toContainEqual({ pid: victim.pid, startTime: victim.startTime });
    expect(delta.processes.added.map((a) => a.row)).toContainEqual(reused);
    expect(delta.processes.changed.some((c) => c.pid === victim.pid)).toBe(false);
    expect(applyDelta(prev, SnapshotDeltaSchema.parse(wire(delta)))).toEqual(wire(nextWithReuse));
    // And back: the reused row is removed by its own start time, the original comes back.
    expect(applyDelta(nextWithReuse, diffSnapshots(nextWithReuse, next))).toEqual(next);
  });

  it('after a reconnect (a fresh full snapshot mid-stream) the deltas that follow rebuild the same state', async () => {
    const stream = await liveStream(8);
    // First connection: ticks 0..3, then the link drops; the new connection starts with the full tick 5.
    let state = wire(stream[0]!);
    for (let i = 1; i <= 3; i++) state = applyDelta(state, wire(diffSnapshots(stream[i - 1]!, stream[i]!)));
    expect(state).toEqual(wire(stream[3]!));
    state = wire(stream[5]!);
    for (let i = 6; i < stream.length; i++) {
      state = applyDelta(state, wire(diffSnapshots(stream[i - 1]!, stream[i]!)));
      expect(state).toEqual(wire(stream[i]!));
    }
  });

  it('a skipped delta (slow client) is refused, leaves the state untouched, and a full snapshot resyncs it', async () => {
    const stream = await liveStream(7);
    let state = wire(stream[0]!);
    state = applyDelta(state, wire(diffSnapshots(stream[0]!, stream[1]!)));
    const kept = wire(state);
    // Delta 1→2 was skipped; 2→3 does not apply to 1.
    const late = wire(diffSnapshots(stream[2]!, stream[3]!));
    expect(() => applyDelta(state, late)).toThrowError(DeltaError);
    try {
      applyDelta(state, late);
    } catch (e) {
      expect((e as DeltaError).code).toBe('BASE_MISMATCH');
      expect((e as DeltaError).message).toMatch(/follows snapshot 2 but this window has 1; a full snapshot is needed/);
    }
    expect(state).toEqual(kept);
    // Resync: the full snapshot 4, then deltas again.
    state = wire(stream[4]!);
    for (let i = 5; i < stream.length; i++) {
      state = applyDelta(state, wire(diffSnapshots(stream[i - 1]!, stream[i]!)));
      expect(state).toEqual(wire(stream[i]!));
    }
  });

  it('carries the whole order when survivors moved (apps re-sorted, processes shuffled), and features only when they changed', async () => {
    const s = sampler();
    const prev = s.sample();
    const next = s.sample();
    const shuffled: Snapshot = {
      ...next,
      processes: next.processes.slice().reverse(),
      apps: next.apps.slice().reverse(),
      features: { ...next.features, kernel: `${next.features.kernel}-changed` },
    };
    const delta = diffSnapshots(prev, shuffled);
    expect(delta.processes.order).toHaveLength(shuffled.processes.length);
    expect(delta.apps.order).toEqual(shuffled.apps.map((a) => a.id));
    expect(delta.features?.kernel).toMatch(/-changed$/);
    expect(applyDelta(prev, wire(delta))).toEqual(wire(shuffled));
    const quiet = diffSnapshots(shuffled, { ...shuffled, seq: shuffled.seq + 1 });
    expect(quiet.features).toBeUndefined();
    expect(quiet.processes).toEqual({ added: [], changed: [], removed: [] });
    expect(quiet.apps).toEqual({ added: [], changed: [], removed: [] });
  });

  it('refuses deltas that do not fit, in plain words, without touching the snapshot', () => {
    const s = sampler();
    const prev = s.sample();
    const next = s.sample();
    const good = diffSnapshots(prev, next);
    const copy = wire(prev);
    const ghost: SnapshotDelta = { ...good, processes: { ...good.processes, changed: [{ pid: 999_999_999, startTime: 1, rssBytes: 1 }] } };
    expect(() => applyDelta(prev, ghost)).toThrowError(/changes process 999999999:1, which this window does not have/);
    const gone: SnapshotDelta = { ...good, apps: { ...good.apps, removed: ['cg:/nope'] } };
    expect(() => applyDelta(prev, gone)).toThrowError(/removes app cg:\/nope/);
    const badOrder: SnapshotDelta = { ...good, apps: { ...good.apps, order: ['cg:/nope'] } };
    expect(() => applyDelta(prev, badOrder)).toThrowError(DeltaError);
    const badAt: SnapshotDelta = { ...good, processes: { ...good.processes, added: [{ at: 10_000_000, row: next.processes[0]! }] } };
    expect(() => applyDelta(prev, badAt)).toThrowError(/positions that do not fit/);
    expect(prev).toEqual(copy);
    // The schema rejects what is not a delta.
    expect(SnapshotDeltaSchema.safeParse({ baseSeq: 1, seq: 2 }).success).toBe(false);
    expect(SnapshotDeltaSchema.safeParse({ ...wire(good), processes: { added: [{ at: -1, row: {} }], changed: [], removed: [] } }).success).toBe(false);
  });
});
