// The table's reuse of unchanged rows under deltas: the cached sort and rows must be exactly what a
// fresh sort would give, and must notice every change a delta brings.
import { describe, expect, it } from 'vitest';
import { applyDelta, diffSnapshots } from '../../contract/delta';
import type { Snapshot } from '../../contract/snapshot';
import { buildRows, createTableSorter, sortTable, type SortState } from '../../renderer/state/rows';
import { manyApps, makeSnapshot } from './factory';

const BY_RSS: SortState = { key: 'rss', direction: 'descending' };

function next(prev: Snapshot, edit: (s: Snapshot) => Snapshot): Snapshot {
  const wanted = edit({ ...prev, seq: prev.seq + 1 });
  // Through a delta, as the window receives it: unchanged rows keep their objects.
  return applyDelta(prev, diffSnapshots(prev, wanted));
}

describe('table rows under deltas', () => {
  it('reuses the sort while no process changed and re-sorts exactly when one did', () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(40));
    const t0 = sorter(s0, BY_RSS);
    expect(t0).toEqual(sortTable(s0, BY_RSS));
    // Only an app's numbers changed: the grouping is reused, the apps are re-sorted.
    const s1 = next(s0, (s) => ({ ...s, apps: s.apps.map((a, i) => (i === 5 ? { ...a, rssBytes: 10 ** 12 } : a)) }));
    const t1 = sorter(s1, BY_RSS);
    expect(t1.processesByApp).toBe(t0.processesByApp);
    expect(t1).toEqual(sortTable(s1, BY_RSS));
    expect(t1.apps[0]!.rssBytes).toBe(10 ** 12);
    // One process grew past all others: a fresh sort puts it first in its app.
    const victim = s1.processes[s1.processes.length - 1]!;
    const s2 = next(s1, (s) => ({ ...s, processes: s.processes.map((p) => (p === victim ? { ...p, rssBytes: 10 ** 13 } : p)) }));
    const t2 = sorter(s2, BY_RSS);
    expect(t2.processesByApp).not.toBe(t1.processesByApp);
    expect(t2).toEqual(sortTable(s2, BY_RSS));
    expect(t2.processesByApp.get(victim.appId)![0]!.rssBytes).toBe(10 ** 13);
    // A new sort order is never served from the cache.
    const byName: SortState = { key: 'name', direction: 'ascending' };
    expect(sorter(s2, byName)).toEqual(sortTable(s2, byName));
  });

  it('keeps row objects for unchanged processes and builds new ones for changed processes or apps', () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(10));
    const open = new Set(s0.apps.map((a) => a.id));
    const r0 = buildRows(sorter(s0, BY_RSS), open, '');
    const changed = s0.processes[3]!;
    const s1 = next(s0, (s) => ({ ...s, processes: s.processes.map((p) => (p === changed ? { ...p, cmdline: `${p.cmdline} --changed` } : p)) }));
    const r1 = buildRows(sorter(s1, BY_RSS), open, 'changed');
    expect(r1.filter((r) => r.kind === 'process').map((r) => r.key)).toEqual([`p:${changed.pid}:${changed.startTime}`]);
    const r2 = buildRows(sorter(s1, BY_RSS), open, '');
    const before = new Map(r0.map((r) => [r.key, r]));
    let reused = 0;
    for (const row of r2) {
      if (row.kind !== 'process') continue;
      const old = before.get(row.key)!;
      if (row.process.pid === changed.pid || row.app !== (old as typeof row).app) expect(row).not.toBe(old);
      else {
        expect(row).toBe(old);
        reused++;
      }
    }
    expect(reused).toBeGreaterThan(5);
    expect(r2.find((r) => r.kind === 'process' && r.process.pid === changed.pid)).toMatchObject({ process: { cmdline: expect.stringMatching(/--changed$/) } });
  });
});
