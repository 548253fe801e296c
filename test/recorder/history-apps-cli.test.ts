/**
 * `headroom history --apps` (the built CLI in dist/) over a store written by the real writer from
 * real snapshots: it streams per-app rows a segment at a time (24 h collected first took 1.9 GB), in
 * time order, with the events merged in where they happened, each line valid against the contract.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HistoryLineSchema, RecordedEventSchema } from '../../contract/record';
import type { Snapshot } from '../../contract/snapshot';
import { ensureStateDir } from '../../main/recorder/safe-fs';
import { listSegments } from '../../main/recorder/segments';
import { readApps } from '../../main/recorder/store-reader';
import { StoreWriter } from '../../main/recorder/store-writer';
import { realSnapshots, stamped, tempStore } from './support';

const cli = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');
let base: Snapshot;
let store = '';

beforeAll(async () => {
  [, base] = await realSnapshots();
});

afterEach(() => {
  if (store) rmSync(dirname(store), { recursive: true, force: true });
  store = '';
});

function history(args: string[]): { code: number | null; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'history', ...args], { env: { ...process.env, XDG_STATE_HOME: dirname(store), NODE_EXTRA_CA_CERTS: '' }, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 });
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

describe('headroom history --apps', () => {
  it('prints every per-app row of several segments in time order, with the events merged in where they happened', () => {
    store = tempStore();
    ensureStateDir(store);
    const t0 = Date.now() - 3 * 3600_000;
    const writer = new StoreWriter(store, 64 << 20);
    // 2.5 h at one tick per 10 s: three segments.
    for (let i = 0; i < 900; i++) writer.writeTick(stamped(base, t0 + i * 10_000, i));
    const event = (time: number, label: string) => RecordedEventSchema.parse({ time, kind: 'reap', label, freedBytes: 0, mreleaseMs: null, availableBeforeBytes: 0, recoveredMs: null, victim: null });
    writer.writeEvent(event(t0 + 4505_000, 'last-tick-event'));
    writer.close();
    expect(listSegments(store).segments.filter((s) => s.hasApps).length).toBeGreaterThanOrEqual(3);
    const expected = readApps(store, { from: 0, to: Number.MAX_SAFE_INTEGER }).items;
    expect(expected.length).toBeGreaterThan(900);

    const apps = history(['--since', '4h', '--apps', '--json']);
    expect(apps.code).toBe(0);
    const rows = apps.lines.map((l) => HistoryLineSchema.parse(JSON.parse(l)));
    expect(rows.length).toBe(expected.length);
    expect(rows.every((r) => r.type === 'app')).toBe(true);
    const times = rows.map((r) => (r.type === 'app' ? r.t : -1));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const both = history(['--since', '4h', '--apps', '--events', '--json']).lines.map((l) => HistoryLineSchema.parse(JSON.parse(l)));
    expect(both.length).toBe(expected.length + 1);
    const at = both.findIndex((l) => l.type === 'event');
    expect(both[at]).toMatchObject({ type: 'event', label: 'last-tick-event' });
    // After every row of the ticks before it, before the rows of the tick after it.
    expect(both.slice(0, at).every((l) => l.type === 'app' && l.t <= t0 + 4505_000)).toBe(true);
    expect(both.slice(at + 1).every((l) => l.type === 'app' && l.t > t0 + 4505_000)).toBe(true);
  });
});
