// Snapshots from main to the window as deltas, end to end on real parts (in the renderer project
// because it runs the renderer's transport; everything else here is the real Node side): the real service (real
// sampler on the real /proc, with real children starting and exiting), the real browser-mode
// server on 127.0.0.1, and the renderer's own transport (createWsClient + withSnapshotDeltas) over a
// real socket, given `ws`'s WebSocket class because Node has no browser one. What the window would
// receive must be exactly what the service produced, tick by tick, through a dropped frame and a
// reconnect. The slow-client rule is checked on the fan-out itself with real snapshots.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { applyDelta, type SnapshotDelta } from '../../contract/delta';
import { defaultSettings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import { SnapshotFanout } from '../../main/fanout/snapshot-fanout';
import { createSampler } from '../../main/sampler';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { withSnapshotDeltas } from '../../renderer/transport/snapshot-follower';
import { createWsClient, type WsClient } from '../../renderer/transport/ws-client';
import { killChildren, startIdleChildren } from '../support/idle-children';

const wire = <T,>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `ws`'s WebSocket with two test hooks on the client side: every instance is recorded (so a test can
 * drop the connection) and a frame can be swallowed on arrival (a lost delta).
 */
class TappedWebSocket extends NodeWebSocket {
  static all: TappedWebSocket[] = [];
  static frames: string[] = [];
  static dropNext: ((text: string) => boolean) | null = null;
  constructor(url: string) {
    super(url, { headers: { Origin: new URL(url).origin.replace('ws:', 'http:') } });
    TappedWebSocket.all.push(this);
    // `ws` defines onmessage as an accessor on its prototype; wrap what the client assigns.
    const accessor = Object.getOwnPropertyDescriptor(NodeWebSocket.prototype, 'onmessage')!;
    Object.defineProperty(this, 'onmessage', {
      get: () => accessor.get!.call(this),
      set: (handler: ((e: { data: unknown }) => void) | null) => {
        const tapped = handler
          ? (e: { data: unknown }) => {
              const text = String(e.data);
              TappedWebSocket.frames.push(text);
              if (TappedWebSocket.dropNext?.(text)) {
                TappedWebSocket.dropNext = null;
                return;
              }
              handler(e);
            }
          : null;
        accessor.set!.call(this, tapped);
      },
    });
  }
}

describe('snapshots over the browser-mode WebSocket: one full, then deltas', () => {
  let service: HostedHeadroomService;
  let server: BrowserServer;
  let root: string;
  let ws: WsClient;
  const produced = new Map<number, Snapshot>();
  const shown: Snapshot[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'headroom-stream-'));
    mkdirSync(join(root, 'renderer'));
    writeFileSync(join(root, 'renderer', 'index.html'), '<html><head></head><body>window</body></html>');
    service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore({ settings: { ...defaultSettings(), intervalMs: 250 } }) });
    service.on('snapshot', (s) => produced.set(s.seq, wire(s)));
    service.start();
    server = await startBrowserServer({ service, port: 0, rendererDir: join(root, 'renderer'), log: () => {} });
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    ws = createWsClient({ url, minDelayMs: 20, maxDelayMs: 100, WebSocketImpl: TappedWebSocket as unknown as typeof WebSocket });
    const client = withSnapshotDeltas(ws.client, ws.connection);
    client.subscribe('snapshot', (s) => shown.push(s), new AbortController().signal);
  });

  afterAll(async () => {
    ws?.close();
    await killChildren(children);
    await server?.close();
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function waitForShown(count: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (shown.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${shown.length} of ${count} snapshots reached the window`);
      await sleep(25);
    }
  }

  /** Every snapshot the window saw is the one the service produced with that seq, and none twice. */
  function expectExact(): void {
    for (const s of shown) expect(s).toEqual(produced.get(s.seq));
    const seqs = shown.map((s) => s.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  }

  const events = () => TappedWebSocket.frames.map((f) => JSON.parse(f) as { event?: string; data?: unknown }).filter((m) => m.event === 'snapshot' || m.event === 'snapshotDelta');

  it('sends a full snapshot first, then deltas that rebuild every tick exactly while processes start and exit', async () => {
    await waitForShown(2);
    for (let round = 0; round < 4; round++) {
      const batch: ChildProcess[] = [];
      await startIdleChildren(8, batch, 60);
      children.push(...batch);
      await sleep(300);
      await killChildren(batch);
    }
    await waitForShown(shown.length + 2);
    const stream = events();
    expect(stream[0]!.event).toBe('snapshot');
    expect(stream.slice(1).every((m) => m.event === 'snapshotDelta')).toBe(true);
    const deltas = stream.slice(1).map((m) => m.data as SnapshotDelta);
    expect(deltas.reduce((n, d) => n + d.processes.added.length, 0)).toBeGreaterThanOrEqual(32);
    expect(deltas.reduce((n, d) => n + d.processes.removed.length, 0)).toBeGreaterThanOrEqual(32);
    // A delta is a fraction of the full snapshot it stands for.
    const fullBytes = JSON.stringify(stream[0]).length;
    expect(Math.min(...deltas.map((d) => JSON.stringify(d).length))).toBeLessThan(fullBytes / 4);
    expectExact();
  });

  it('a lost delta makes the window ask for a full snapshot, and it goes on exactly', async () => {
    let dropped: SnapshotDelta | null = null;
    TappedWebSocket.dropNext = (text) => {
      const m = JSON.parse(text) as { event?: string; data?: SnapshotDelta };
      if (m.event !== 'snapshotDelta') return false;
      dropped = m.data!;
      return true;
    };
    const before = shown.length;
    await waitForShown(before + 4);
    expect(dropped).not.toBeNull();
    // The window never showed the dropped tick from a delta it could not apply, and still shows later ones.
    expect(shown.slice(before).some((s) => s.seq > dropped!.seq)).toBe(true);
    expectExact();
  });

  it('after a reconnect the server starts over with a full snapshot and deltas follow', async () => {
    const framesBefore = events().length;
    TappedWebSocket.all.at(-1)!.terminate();
    const deadline = Date.now() + 10_000;
    while (TappedWebSocket.all.length < 2 || ws.connection.state() !== 'open') {
      if (Date.now() > deadline) throw new Error('did not reconnect');
      await sleep(20);
    }
    const before = shown.length;
    await waitForShown(before + 3);
    const after = events().slice(framesBefore);
    expect(after[0]!.event).toBe('snapshot');
    expect(after.slice(1).some((m) => m.event === 'snapshotDelta')).toBe(true);
    expectExact();
  });
});

describe('the fan-out', () => {
  it('never sends a delta against a base the receiver lacks: new, skipped (slow) and current receivers', () => {
    const sampler = createSampler();
    try {
      const fanout = new SnapshotFanout();
      const fast = {};
      const slow = {};
      expect(fanout.messageFor(fast)).toBeNull();
      const s0 = sampler.sample();
      fanout.push(s0);
      expect(fanout.messageFor(fast)?.event).toBe('snapshot');
      expect(fanout.messageFor(slow)?.event).toBe('snapshot');
      // Nothing new: nothing to send twice.
      expect(fanout.messageFor(fast)).toBeNull();
      const s1 = sampler.sample();
      fanout.push(s1);
      const d1 = fanout.messageFor(fast)!;
      expect(d1.event).toBe('snapshotDelta');
      expect(applyDelta(s0, d1.data as SnapshotDelta)).toEqual(s1);
      // The slow one's queue is over the bound: skipped and forgotten.
      fanout.skip(slow);
      const s2 = sampler.sample();
      fanout.push(s2);
      const d2 = fanout.messageFor(fast)!;
      expect(d2.event).toBe('snapshotDelta');
      expect(applyDelta(s1, d2.data as SnapshotDelta)).toEqual(s2);
      // Caught up: a full snapshot, not a delta against s1 or s2 it may not have.
      expect(fanout.messageFor(slow)).toEqual({ event: 'snapshot', data: s2 });
      // Two ticks without a message (a receiver missed one without being skipped): full again.
      fanout.push(sampler.sample());
      const s4 = sampler.sample();
      fanout.push(s4);
      expect(fanout.messageFor(slow)).toEqual({ event: 'snapshot', data: s4 });
      // One serialisation per tick and kind, shared by every receiver.
      const a = {};
      const b = {};
      fanout.messageFor(a);
      fanout.messageFor(b);
      fanout.push(sampler.sample());
      const ta = fanout.textFor(a);
      expect(fanout.textFor(b)).toBe(ta);
      expect(JSON.parse(ta!).event).toBe('snapshotDelta');
    } finally {
      sampler.close();
    }
  });
});
