// The table's reuse of unchanged rows under deltas: the cached sort and rows must be exactly what a
// fresh sort would give, and must notice every change a delta brings.
import { describe, expect, it } from 'vitest';
import { applyDelta, diffSnapshots } from '../../contract/delta';
import type { Snapshot } from '../../contract/snapshot';
import { buildRows, createRowMemo, createTableSorter, sortTable, type SortState } from '../../renderer/state/rows';
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

  it('sorts again only the app whose processes changed; the others keep their sorted lists', () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(40));
    const t0 = sorter(s0, BY_RSS);
    const victim = s0.processes[7]!;
    const s1 = next(s0, (s) => ({ ...s, processes: s.processes.map((p) => (p === victim ? { ...p, rssBytes: 10 ** 13 } : p)) }));
    const t1 = sorter(s1, BY_RSS);
    expect(t1).toEqual(sortTable(s1, BY_RSS));
    expect(t1.processesByApp.get(victim.appId)).not.toBe(t0.processesByApp.get(victim.appId));
    expect(t1.processesByApp.get(victim.appId)![0]!.rssBytes).toBe(10 ** 13);
    const others = s1.apps.filter((a) => a.id !== victim.appId);
    expect(others.length).toBeGreaterThan(1);
    for (const app of others) expect(t1.processesByApp.get(app.id)).toBe(t0.processesByApp.get(app.id));
    // The next tick changes another app's process: the sorter does not even read the sort key of
    // the processes of apps that did not change (a sort of them would).
    const second = s1.processes.find((p) => p.appId !== victim.appId)!;
    const s2 = next(s1, (s) => ({ ...s, processes: s.processes.map((p) => (p === second ? { ...p, rssBytes: 10 ** 12 } : p)) }));
    let reads = 0;
    for (const p of s2.processes) {
      if (p.appId === second.appId) continue;
      const rss = p.rssBytes;
      Object.defineProperty(p, 'rssBytes', { get: () => (reads++, rss), enumerable: true });
    }
    const t2 = sorter(s2, BY_RSS);
    expect(reads).toBe(0);
    expect(t2).toEqual(sortTable(s2, BY_RSS));
  });

  it('keeps row objects for unchanged processes and builds new ones for changed processes', () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(10));
    const open = new Set(s0.apps.map((a) => a.id));
    const memo = createRowMemo();
    const r0 = buildRows(sorter(s0, BY_RSS), open, '', memo);
    const changed = s0.processes[3]!;
    const s1 = next(s0, (s) => ({ ...s, processes: s.processes.map((p) => (p === changed ? { ...p, cmdline: `${p.cmdline} --changed` } : p)) }));
    const r1 = buildRows(sorter(s1, BY_RSS), open, 'changed', createRowMemo());
    expect(r1.filter((r) => r.kind === 'process').map((r) => r.key)).toEqual([`p:${changed.pid}:${changed.startTime}`]);
    const r2 = buildRows(sorter(s1, BY_RSS), open, '', memo);
    const before = new Map(r0.map((r) => [r.key, r]));
    let reused = 0;
    for (const row of r2) {
      if (row.kind !== 'process') continue;
      const old = before.get(row.key)!;
      if (row.process.pid === changed.pid) expect(row).not.toBe(old);
      else {
        expect(row).toBe(old);
        reused++;
      }
    }
    expect(reused).toBeGreaterThan(5);
    expect(r2.find((r) => r.kind === 'process' && r.process.pid === changed.pid)).toMatchObject({ process: { cmdline: expect.stringMatching(/--changed$/) } });
  });

  it('sorts from the last order to exactly what a fresh sort gives, through growth, exits, newcomers and a reused PID', () => {
    const sorter = createTableSorter();
    let s = makeSnapshot(manyApps(60));
    for (const sort of [BY_RSS, { key: 'name', direction: 'ascending' } as SortState]) {
      expect(sorter(s, sort)).toEqual(sortTable(s, sort));
    }
    // A deterministic walk: every tick some processes change size, one exits, one arrives, and at
    // tick 4 a new process takes an exited one's PID (a different start time).
    for (let tick = 1; tick <= 8; tick++) {
      const gone = s.processes[tick * 3]!;
      s = next(s, (x) => {
        const processes = x.processes
          .filter((p) => p !== gone)
          .map((p, i) => ((i * 7 + tick) % 5 === 0 ? { ...p, rssBytes: ((p.rssBytes * 31 + tick * 4099) % 2 ** 30) + 1 } : p));
        const template = processes[0]!;
        processes.push({ ...template, pid: tick === 4 ? gone.pid : 90_000 + tick, startTime: template.startTime + 1000 + tick, rssBytes: tick * 2 ** 24 });
        return { ...x, processes };
      });
      expect(sorter(s, BY_RSS)).toEqual(sortTable(s, BY_RSS));
    }
  });

  it('reuses an unchanged app\'s rows whole and rebuilds only the app that changed', () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(12));
    const open = new Set(s0.apps.map((a) => a.id));
    const memo = createRowMemo();
    const r0 = buildRows(sorter(s0, BY_RSS), open, '', memo);
    const changed = s0.processes[2]!;
    const s1 = next(s0, (s) => ({ ...s, processes: s.processes.map((p) => (p === changed ? { ...p, rssBytes: p.rssBytes + 4096 } : p)) }));
    const r1 = buildRows(sorter(s1, BY_RSS), open, '', memo);
    // The same rows as a build without any memory.
    expect(r1).toEqual(buildRows(sortTable(s1, BY_RSS), open, ''));
    const before = new Map(r0.map((r) => [r.key, r]));
    for (const row of r1) {
      // In the changed app: its app row and the changed process's row are new, the others are kept.
      if ((row.kind === 'app' && row.app.id === changed.appId) || (row.kind === 'process' && row.process.pid === changed.pid)) expect(row).not.toBe(before.get(row.key));
      else expect(row).toBe(before.get(row.key));
    }
    // Collapsing an app rebuilds its rows (no process rows under it any more).
    const r2 = buildRows(sorter(s1, BY_RSS), new Set(), '', memo);
    expect(r2.every((r) => r.kind === 'app')).toBe(true);
    expect(r2).toEqual(buildRows(sortTable(s1, BY_RSS), new Set(), ''));
  });

  it("keeps a live app's process rows when only the app's own numbers changed, open or filtered", () => {
    const sorter = createTableSorter();
    const s0 = makeSnapshot(manyApps(8));
    const live = s0.apps[0]!;
    const open = new Set([live.id]);
    for (const filter of ['', String(s0.processes.find((p) => p.appId === live.id)!.comm)]) {
      const memo = createRowMemo();
      const r0 = buildRows(sorter(s0, BY_RSS), open, filter, memo);
      // The app's sum moved (as a live app's does every tick); none of its processes' rows did.
      const s1 = next(s0, (s) => ({ ...s, apps: s.apps.map((a) => (a === live ? { ...a, rssBytes: a.rssBytes + 4096, growthBytesPerSec: 1 } : a)) }));
      const r1 = buildRows(sorter(s1, BY_RSS), open, filter, memo);
      expect(r1).toEqual(buildRows(sortTable(s1, BY_RSS), open, filter));
      const before = new Map(r0.map((r) => [r.key, r]));
      const liveRows = r1.filter((r) => (r.kind === 'app' ? r.app.id : r.process.appId) === live.id);
      expect(liveRows.length).toBeGreaterThan(1);
      for (const row of liveRows) {
        if (row.kind === 'app') {
          expect(row).not.toBe(before.get(row.key));
          expect(row.app.rssBytes).toBe(live.rssBytes + 4096);
        } else expect(row).toBe(before.get(row.key));
      }
    }
  });
});
