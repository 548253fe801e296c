/**
 * `headroom history` (the built CLI in dist/) over a store written by the real writer from real
 * snapshots: it streams per-app rows a tick at a time (24 h collected first took 1.9 GB) and samples a
 * segment at a time, in time order, with the events merged in where they happened, each line valid
 * against the contract; a reader that stops early ends it quietly; times a Date cannot hold are usage
 * errors; CSV shows a name's control characters and never starts a name cell with a formula.
 */
import { spawn, spawnSync } from 'node:child_process';
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

/** A fresh store (this file's `store`) and its writer; the caller writes the ticks and closes it. */
function newStore(): StoreWriter {
  store = tempStore();
  ensureStateDir(store);
  return new StoreWriter(store, 64 << 20);
}

/** `count` ticks of the real snapshot, `stepMs` apart from `t0`. */
function writeTicks(writer: StoreWriter, t0: number, count: number, stepMs: number): void {
  for (let i = 0; i < count; i++) writer.writeTick(stamped(base, t0 + i * stepMs, i));
}

describe('headroom history --apps', () => {
  it('prints every per-app row of several segments in time order, with the events merged in where they happened', () => {
    const writer = newStore();
    const t0 = Date.now() - 3 * 3600_000;
    // 2.5 h at one tick per 10 s: three segments.
    writeTicks(writer, t0, 900, 10_000);
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

  it('prints every sample of several segments in time order, streamed (the same as the store holds)', () => {
    const writer = newStore();
    writeTicks(writer, Date.now() - 3 * 3600_000, 900, 10_000);
    writer.close();
    const samples = history(['--since', '4h', '--json']);
    expect(samples.code).toBe(0);
    const rows = samples.lines.map((l) => HistoryLineSchema.parse(JSON.parse(l)));
    expect(rows).toHaveLength(900);
    expect(rows.map((r) => (r.type === 'sample' ? r.seq : -1))).toEqual(Array.from({ length: 900 }, (_, i) => i));
  });

  it('ends quietly (status 0, nothing on stderr) when its reader stops early', async () => {
    const writer = newStore();
    writeTicks(writer, Date.now() - 3600_000, 2000, 1000);
    writer.close();
    // `headroom history --apps | head -1`: the pipe is closed after the first line.
    const child = spawn(process.execPath, [cli, 'history', '--since', '2h', '--apps'], { env: { ...process.env, XDG_STATE_HOME: dirname(store), NODE_EXTRA_CA_CERTS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('refuses a time no Date can hold, or a day the month does not have, as a usage error', () => {
    newStore().close();
    for (const until of ['9007199254740991', '8640000000000001', '2026-02-30', '2026-13-01T00:00:00Z']) {
      const r = history(['--until', until]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--until must be an ISO time/);
    }
    expect(history(['--until', '2024-02-29T12:00:00Z']).code).toBe(0);
  });

  it('writes CSV name cells with their control characters shown and never as a formula', () => {
    const writer = newStore();
    const t0 = Date.now() - 60_000;
    const named = (name: string, i: number): Snapshot => {
      const s = stamped(base, t0 + i * 1000, i);
      return { ...s, apps: s.apps.map((a, j) => (j === 0 ? { ...a, name } : a)) };
    };
    writer.writeTick(named('\u001b]0;PWNED\u0007\u001b[2J', 0));
    writer.writeTick(named('=HYPERLINK("http://x")', 1));
    writer.close();
    const csv = history(['--since', '5m', '--apps', '--csv']);
    expect(csv.code).toBe(0);
    const text = csv.lines.join('\n');
    // No control character but the line breaks.
    expect([...text].filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))).toEqual([]);
    expect(text).toContain('\u27e8U+001B\u27e9]0;PWNED\u27e8U+0007\u27e9\u27e8U+001B\u27e9[2J');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});
