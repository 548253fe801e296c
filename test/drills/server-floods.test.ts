/**
 * Drill: floods against the real browser-mode server (startBrowserServer) on the real service (real
 * sampler over the real /proc at 1 Hz). 200 clients at once; a client that never reads (the server
 * skips snapshots for a client with 4 MiB unsent — it gets a full one once it catches up, covered
 * with real receivers in test/renderer/snapshot-stream.test.tsx — and cuts off a client that keeps
 * asking without reading, so its queue is bounded; the window then reconnects from the latest state);
 * clients that vanish in the middle of a frame.
 * After each flood a fresh client is served normally.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';

const MiB = 1024 * 1024;
/** The server's per-client limit (browser-server.ts SLOW_CLIENT_BYTES). */
const SLOW_CLIENT_BYTES = 4 * MiB;

let service: HostedHeadroomService;
let server: BrowserServer;
let snapshotBytes = 0;
const serverLog: string[] = [];

beforeAll(async () => {
  service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore() });
  service.on('snapshot', (s) => {
    snapshotBytes = Math.max(snapshotBytes, Buffer.byteLength(JSON.stringify({ event: 'snapshot', data: s })));
  });
  service.start();
  server = await startBrowserServer({ service, port: 0, log: (line) => serverLog.push(line) });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
});

const headers = () => ({ Origin: `http://127.0.0.1:${server.port}` });
const protocols = () => ['headroom', `headroom.token.${server.token}`];

/**
 * Each client's first full snapshot, listened for from the moment the socket is made: the server
 * sends one full snapshot per client and deltas after it, so a listener attached later could miss
 * the only one there is.
 */
const firstSnapshots = new WeakMap<WebSocket, Promise<number>>();

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, protocols(), { headers: headers(), maxPayload: 256 * MiB });
    firstSnapshots.set(
      ws,
      new Promise<number>((resolveSeq) => {
        const onMessage = (data: WebSocket.RawData) => {
          const seq = snapshotSeq(data);
          if (seq === null) return;
          ws.off('message', onMessage);
          resolveSeq(seq);
        };
        ws.on('message', onMessage);
      }),
    );
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
}

/**
 * The seq of a snapshot event, read from the message's first bytes: 200 clients in this process
 * cannot each parse a megabyte of JSON per tick on two loaded cores (the server is what is tested).
 */
function snapshotSeq(data: WebSocket.RawData): number | null {
  const m = /^\{"event":"snapshot","data":\{"seq":(\d+)/.exec((data as Buffer).subarray(0, 64).toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** The seq of the full snapshot this client got (the one it starts from), once it has it. */
function firstSnapshot(ws: WebSocket): Promise<number> {
  return firstSnapshots.get(ws)!;
}

function call(ws: WebSocket, id: number, name: string): Promise<{ ok: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if ((data as Buffer)[2] !== 0x69) return; // replies start with {"id"; events with {"event"
      const msg = JSON.parse(String(data));
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, call: name, params: {} }));
  });
}

async function stillServes(): Promise<void> {
  const ws = await open();
  try {
    expect((await call(ws, 1, 'getStatus')).ok).toBe(true);
    await firstSnapshot(ws);
  } finally {
    ws.close();
  }
}

describe('browser-mode server floods (real server, real service)', () => {
  it('200 clients at once: all connect, all get snapshots and answers, and all leave cleanly', async () => {
    const started = Date.now();
    const clients = await Promise.all(Array.from({ length: 200 }, () => open()));
    const openedMs = Date.now() - started;
    try {
      const seqs = await Promise.all(clients.map((ws) => firstSnapshot(ws)));
      expect(seqs.every((s) => s >= 0)).toBe(true);
      const snapshotMs = Date.now() - started;
      const replies = await Promise.all(clients.map((ws, i) => call(ws, i + 1, 'getSettings')));
      expect(replies.every((r) => r.ok)).toBe(true);
      process.stdout.write(
        `200 clients: all open after ${openedMs} ms, all had a snapshot (≤ ${(snapshotBytes / 1024).toFixed(0)} KiB) after ${snapshotMs} ms, ` +
          `all answered after ${Date.now() - started} ms; load ${readFileSync('/proc/loadavg', 'utf8').trim()}\n`,
      );
    } finally {
      await Promise.all(clients.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))));
    }
    await stillServes();
  }, 90_000);

  it('a client that stops reading skips snapshots, and is cut off before its answers pass the bound; a new connection starts from the latest state', async () => {
    const slow = await open();
    try {
      await firstSnapshot(slow);
      // The size of one full answer, measured on a client that reads.
      const reader = await open();
      const replyBytes = await new Promise<number>((resolve) => {
        reader.once('message', function first(data) {
          if ((data as Buffer)[2] !== 0x69) return void reader.once('message', first);
          resolve((data as Buffer).length);
        });
        reader.send(JSON.stringify({ id: 1, call: 'getSnapshot', params: {} }));
      });
      reader.close();
      // Stop reading, then ask for whole snapshots: answers cannot be skipped like snapshot events,
      // so without a bound the server would queue every one of them for this client.
      const socket = (slow as unknown as { _socket: Socket })._socket;
      socket.pause();
      const requests = Math.min(20_000, Math.ceil((3 * SLOW_CLIENT_BYTES) / replyBytes) + 1);
      for (let id = 1; id <= requests; id++) slow.send(JSON.stringify({ id, call: 'getSnapshot', params: {} }));
      expect(requests * replyBytes).toBeGreaterThanOrEqual(3 * SLOW_CLIENT_BYTES);
      // The server says when it cut the client off.
      const deadline = Date.now() + 60_000;
      while (!serverLog.some((l) => l.includes('cut off a client that does not read')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(serverLog.filter((l) => l.includes('cut off a client that does not read'))).toHaveLength(1);
      // Meanwhile everyone else is served as usual, and a new connection (what the window does on a
      // drop) starts from the latest state.
      await stillServes();
      // What it had queued: at most the bound plus one answer, and the kernel's buffers.
      let receivedBytes = 0;
      const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
      slow.on('message', (data) => (receivedBytes += (data as Buffer).length));
      socket.resume();
      await closed;
      const bound = SLOW_CLIENT_BYTES + replyBytes + 2 * snapshotBytes + 8 * MiB;
      process.stdout.write(
        `slow client: ${requests} answers of ${(replyBytes / 1024).toFixed(0)} KiB asked without reading (unbounded: ${((requests * replyBytes) / MiB).toFixed(1)} MiB); ` +
          `it received ${(receivedBytes / MiB).toFixed(1)} MiB before the server cut it off; bound ${(bound / MiB).toFixed(1)} MiB\n`,
      );
      expect(receivedBytes).toBeLessThanOrEqual(bound);
    } finally {
      slow.terminate();
    }
    await stillServes();
  }, 120_000);

  it('a client that reads nothing while events pile up (another window changing settings) is cut off before its queue passes the bound', async () => {
    const silent = await open();
    const writer = await open();
    let id = 0;
    // Sends one call and resolves with its answer (the writer reads everything it is sent).
    const ask = (name: string, params: unknown) =>
      new Promise<{ ok: boolean; result?: unknown }>((resolve) => {
        const mine = ++id;
        const onMessage = (data: WebSocket.RawData) => {
          if ((data as Buffer)[2] !== 0x69) return;
          const msg = JSON.parse(String(data));
          if (msg.id !== mine) return;
          writer.off('message', onMessage);
          resolve(msg);
        };
        writer.on('message', onMessage);
        writer.send(JSON.stringify({ id: mine, call: name, params }));
      });
    const original = ((await ask('getSettings', {})).result as { settings: { autoReapAvoid: string[]; endGraceMs: number } }).settings;
    try {
      await firstSnapshot(silent);
      (silent as unknown as { _socket: Socket })._socket.pause();
      // A long never-auto-reap list makes each settings event ~64 KiB; then flip the End grace.
      const avoid = Array.from({ length: 256 }, (_, i) => `app-${i}-${'x'.repeat(240)}`);
      expect((await ask('setSettings', { autoReapAvoid: avoid })).ok).toBe(true);
      const eventBytes = Buffer.byteLength(JSON.stringify({ event: 'settings', data: (await ask('getSettings', {})).result }));
      const cutOff = () => serverLog.some((l) => l.includes('cut off a client that does not read its events'));
      let changes = 0;
      // Unbounded, the silent client's queue would take every event: 1,500 of them is ~96 MiB.
      while (!cutOff() && changes < 1500) {
        const batch = Array.from({ length: 25 }, () => ask('setSettings', { endGraceMs: 1000 + (++changes % 2) }));
        expect((await Promise.all(batch)).every((r) => r.ok)).toBe(true);
      }
      expect(serverLog.filter((l) => l.includes('cut off a client that does not read its events'))).toHaveLength(1);
      let receivedBytes = 0;
      const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
      silent.on('message', (data) => (receivedBytes += (data as Buffer).length));
      (silent as unknown as { _socket: Socket })._socket.resume();
      await closed;
      const bound = SLOW_CLIENT_BYTES + eventBytes + 2 * snapshotBytes + 8 * MiB;
      process.stdout.write(
        `silent client: cut off after ${changes} settings events of ${(eventBytes / 1024).toFixed(0)} KiB (unbounded: ${((changes * eventBytes) / MiB).toFixed(1)} MiB); ` +
          `it received ${(receivedBytes / MiB).toFixed(1)} MiB; bound ${(bound / MiB).toFixed(1)} MiB\n`,
      );
      expect(receivedBytes).toBeLessThanOrEqual(bound);
    } finally {
      silent.terminate();
      await ask('setSettings', { autoReapAvoid: original.autoReapAvoid, endGraceMs: original.endGraceMs });
      writer.close();
    }
    await stillServes();
  }, 120_000);

  it('clients that vanish mid-frame, mid-handshake or while being sent to harm nobody', async () => {
    const key = randomBytes(16).toString('base64');
    const handshake =
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: http://127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: headroom, headroom.token.${server.token}\r\n\r\n`;
    const raw = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    const upgraded = async (): Promise<Socket> => {
      const s = await raw();
      s.write(handshake);
      await new Promise<void>((resolve) => s.once('data', () => resolve()));
      return s;
    };
    for (let round = 0; round < 20; round++) {
      // Half a handshake, then gone.
      const a = await raw();
      a.write(handshake.slice(0, 40 + round));
      a.destroy();
      // A masked text frame that announces 100,000 bytes and sends 10, then gone.
      const b = await upgraded();
      const header = Buffer.from([0x81, 0xfe, (100_000 >> 8) & 0xff, 100_000 & 0xff]);
      b.write(Buffer.concat([header, Buffer.alloc(0), randomBytes(4), Buffer.from('{"id":1,"c')]));
      b.destroy();
      // A client that leaves while snapshots are being written to it.
      const c = await open();
      await firstSnapshot(c);
      (c as unknown as { _socket: Socket })._socket.destroy();
    }
    await stillServes();
  }, 120_000);
});
