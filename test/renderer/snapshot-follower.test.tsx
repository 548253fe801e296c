// The renderer's delta follower at the component boundary (a recording client stands in for the
// transport): which snapshot the window is shown for every order in which full snapshots, deltas
// and resync answers can arrive. The real wire is exercised in snapshot-stream.test.tsx.
import { describe, expect, it } from 'vitest';
import { diffSnapshots, type SnapshotDelta } from '../../contract/delta';
import type { Snapshot } from '../../contract/snapshot';
import { withSnapshotDeltas } from '../../renderer/transport/snapshot-follower';
import { makeSnapshot, typicalApps } from './factory';
import { recordingClient } from './recording-client';

/** Snapshots 0..n-1 with a process table that changes every tick. */
function stream(n: number): Snapshot[] {
  const out: Snapshot[] = [makeSnapshot(typicalApps(), { seq: 0, time: 1_000 })];
  for (let i = 1; i < n; i++) {
    const prev = out[i - 1]!;
    out.push({
      ...prev,
      seq: i,
      time: 1_000 + i * 1000,
      processes: prev.processes.map((p, j) => (j === i % prev.processes.length ? { ...p, rssBytes: p.rssBytes + 4096 * i } : p)),
    });
  }
  return out;
}

const delta = (s: Snapshot[], i: number): SnapshotDelta => diffSnapshots(s[i - 1]!, s[i]!);
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(latest: () => Snapshot | null) {
  const inner = recordingClient({ getSnapshot: () => latest() });
  const client = withSnapshotDeltas(inner);
  const shown: Snapshot[] = [];
  client.subscribe('snapshot', (s) => shown.push(s), new AbortController().signal);
  return { inner, shown };
}

describe('withSnapshotDeltas', () => {
  it('shows the full snapshot, then each delta applied, and ignores a stale delta', () => {
    const s = stream(4);
    const { inner, shown } = setup(() => null);
    inner.emit('snapshot', s[0]!);
    inner.emit('snapshotDelta', delta(s, 1));
    inner.emit('snapshotDelta', delta(s, 1)); // a repeat: older than what is shown
    inner.emit('snapshotDelta', delta(s, 2));
    expect(shown).toEqual([s[0], s[1], s[2]]);
    expect(inner.callsOf('getSnapshot')).toEqual([]);
  });

  it('a gap asks main for a full snapshot, holds what arrives meanwhile, then goes on', async () => {
    const s = stream(7);
    let latest = s[3]!;
    const { inner, shown } = setup(() => latest);
    inner.emit('snapshot', s[0]!);
    inner.emit('snapshotDelta', delta(s, 1));
    // 1→2 and 2→3 lost; 3→4 arrives: a gap.
    inner.emit('snapshotDelta', delta(s, 4));
    expect(inner.callsOf('getSnapshot')).toHaveLength(1);
    // While the resync is on its way, 4→5 arrives too.
    inner.emit('snapshotDelta', delta(s, 5));
    expect(inner.callsOf('getSnapshot')).toHaveLength(1);
    await flush();
    // The answer was 3; the held 3→4 and 4→5 are applied after it.
    expect(shown.map((x) => x.seq)).toEqual([0, 1, 5]);
    expect(shown.at(-1)).toEqual(s[5]);
    latest = s[6]!;
    inner.emit('snapshotDelta', delta(s, 6));
    expect(shown.at(-1)).toEqual(s[6]);
    expect(inner.callsOf('getSnapshot')).toHaveLength(1);
  });

  it('a delta before any full snapshot, or one that does not fit, resyncs instead of showing a wrong table', async () => {
    const s = stream(4);
    const { inner, shown } = setup(() => s[2]!);
    inner.emit('snapshotDelta', delta(s, 2));
    await flush();
    expect(shown).toEqual([s[2]]);
    // Claims to follow 2 but changes a process 2 does not have.
    const broken: SnapshotDelta = { ...delta(s, 3), processes: { added: [], removed: [], changed: [{ pid: 999_999, startTime: 1, rssBytes: 1 }] } };
    inner.emit('snapshotDelta', broken);
    expect(inner.callsOf('getSnapshot')).toHaveLength(2);
    await flush();
    // The resync answer (2) was already shown: not shown twice, and nothing wrong was shown.
    expect(shown).toEqual([s[2]]);
    inner.emit('snapshotDelta', delta(s, 3));
    expect(shown).toEqual([s[2], s[3]]);
  });

  it('passes every other event and call through untouched', async () => {
    const inner = recordingClient({ getSettings: () => ({ settings: {}, warning: null }) as never });
    const client = withSnapshotDeltas(inner);
    const got: unknown[] = [];
    const controller = new AbortController();
    client.subscribe('markers', (m) => got.push(m), controller.signal);
    inner.emit('markers', []);
    controller.abort();
    inner.emit('markers', []);
    expect(got).toEqual([[]]);
    await expect(client.call('getSettings', {})).resolves.toEqual({ settings: {}, warning: null });
  });
});
