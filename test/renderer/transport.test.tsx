/**
 * The transports. The WebSocket client talks to a real `ws` server on 127.0.0.1 (real sockets, real
 * framing, a real drop and reconnect). The bridge client wraps a stand-in for the Electron preload
 * object: that is the Electron boundary, which cannot run here. jsdom's own WebSocket mixes Node's
 * and jsdom's Event classes under vitest, so the client is given `ws`'s browser-compatible
 * WebSocket class; the real browser's is exercised by the Chromium end-to-end test.
 */
const WebSocketImpl = NodeWebSocket as unknown as typeof WebSocket;
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { ApiError, CallUnanswered, type HeadroomBridge } from '../../contract/api';
import { createBridgeClient } from '../../renderer/transport/bridge-client';
import { createClient } from '../../renderer/transport/client';
import type { ConnectionState } from '../../renderer/transport/connection';
import { takePageToken, tokenInFragment, wsProtocolsFor } from '../../renderer/transport/page-token';
import { createWsClient, UNAUTHORIZED_WORDS, wsUrlFor, type WsClient } from '../../renderer/transport/ws-client';
import { makeStatus } from './factory';

interface TestServer {
  wss: WebSocketServer;
  url: string;
  sockets: ServerSocket[];
  requests: unknown[];
  upgradeUrls: string[];
  /** The Sec-WebSocket-Protocol header of each upgrade. */
  offered: string[];
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(answer: (req: { id: number; call: string; params: unknown }, socket: ServerSocket) => void): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('headroom') ? 'headroom' : false) });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const server: TestServer = { wss, url: '', sockets: [], requests: [], upgradeUrls: [], offered: [] };
  const { port } = wss.address() as { port: number };
  server.url = wsUrlFor({ protocol: 'http:', host: `127.0.0.1:${port}` });
  wss.on('connection', (socket, req) => {
    server.sockets.push(socket);
    server.upgradeUrls.push(req.url ?? '');
    server.offered.push(String(req.headers['sec-websocket-protocol'] ?? ''));
    socket.on('message', (raw) => {
      const req = JSON.parse(String(raw));
      server.requests.push(req);
      answer(req, socket);
    });
  });
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of wss.clients) s.terminate();
    wss.close(() => resolve());
  }));
  return server;
}

function client(url: string): WsClient {
  const c = createWsClient({ url, minDelayMs: 20, maxDelayMs: 100, WebSocketImpl });
  cleanups.push(() => c.close());
  return c;
}

function nextState(c: WsClient, wanted: ConnectionState): Promise<void> {
  if (c.connection.state() === wanted) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = c.connection.onChange((s) => {
      if (s === wanted) {
        stop();
        resolve();
      }
    });
  });
}

describe('wsUrlFor', () => {
  it('uses the page host, /ws and the scheme matching the page; never a token', () => {
    expect(wsUrlFor({ protocol: 'http:', host: '127.0.0.1:8765' })).toBe('ws://127.0.0.1:8765/ws');
    expect(wsUrlFor({ protocol: 'https:', host: 'box:443' })).toBe('wss://box:443/ws');
  });
});

describe('WebSocket client', () => {
  it('carries calls and replies, errors as ApiError, and events to subscribers until aborted', async () => {
    const status = makeStatus('root');
    const server = await startServer((req, socket) => {
      if (req.call === 'getStatus') socket.send(JSON.stringify({ id: req.id, ok: true, result: status }));
      else socket.send(JSON.stringify({ id: req.id, ok: false, error: { code: 'BAD_REQUEST', message: 'Bad parameters for setPaused at paused: expected boolean.' } }));
    });
    const c = client(server.url);
    // Called before the socket opened: queued, then sent.
    await expect(c.client.call('getStatus', {})).resolves.toEqual(status);
    expect(server.upgradeUrls[0]).toBe('/ws');
    const failed = c.client.call('setPaused', { paused: 'yes' as unknown as boolean });
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(failed).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'Bad parameters for setPaused at paused: expected boolean.' });
    expect(server.requests).toEqual([
      { id: 1, call: 'getStatus', params: {} },
      { id: 2, call: 'setPaused', params: { paused: 'yes' } },
    ]);

    const seen: unknown[] = [];
    const controller = new AbortController();
    c.client.subscribe('status', (s) => seen.push(s.privilege), controller.signal);
    const socket = server.sockets[0]!;
    socket.send('not json');
    socket.send(JSON.stringify({ id: 999, ok: true, result: null }));
    socket.send(JSON.stringify({ event: 'status', data: status }));
    socket.send(JSON.stringify({ event: 'markers', data: [] }));
    await expect.poll(() => seen).toEqual(['root']);
    controller.abort();
    socket.send(JSON.stringify({ event: 'status', data: status }));
    // A round trip after the event proves it was delivered (and ignored) before we check.
    await c.client.call('getStatus', {});
    expect(seen).toEqual(['root']);
  });

  it('rejects pending calls on a drop, says it is reconnecting, and reconnects', async () => {
    const server = await startServer((req, socket) => {
      if (req.call === 'getSnapshot') socket.terminate();
      else socket.send(JSON.stringify({ id: req.id, ok: true, result: makeStatus() }));
    });
    const c = client(server.url);
    const states: ConnectionState[] = [];
    c.connection.onChange((s) => states.push(s));
    await c.client.call('getStatus', {});
    const lost = await c.client.call('getSnapshot', {}).catch((e: unknown) => e);
    // Sent before the drop: it may have been carried out, and says so by its class.
    expect(lost).toBeInstanceOf(CallUnanswered);
    expect((lost as Error).message).toBe('Lost the connection to Headroom before it answered.');
    expect(c.connection.state()).toBe('reconnecting');
    await expect(c.client.call('getStatus', {})).rejects.toThrow(/reconnecting/);
    await nextState(c, 'open');
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(server.sockets.length).toBe(2);
    await expect(c.client.call('getStatus', {})).resolves.toMatchObject({ privilege: 'helper-installed' });
  });

  it('fails a call queued for a connection that never opened as not sent (not as unanswered)', async () => {
    const server = await startServer(() => {});
    const url = server.url;
    await new Promise<void>((resolve) => server.wss.close(() => resolve()));
    const c = client(url);
    const failed = await c.client.call('getStatus', {}).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApiError);
    expect(failed).not.toBeInstanceOf(CallUnanswered);
  });

  it('says plainly when the server answers but refuses the handshake, and when it is down', async () => {
    const server = await startServer(() => {});
    const { port } = server.wss.address() as { port: number };
    await new Promise<void>((resolve) => server.wss.close(() => resolve()));
    let up = true;
    const c = createWsClient({ url: `ws://127.0.0.1:${port}/ws`, minDelayMs: 20, maxDelayMs: 50, WebSocketImpl, serverIsUp: async () => up });
    cleanups.push(() => c.close());
    await nextState(c as WsClient, 'unauthorized');
    await expect(c.client.call('getStatus', {})).rejects.toThrow(UNAUTHORIZED_WORDS);
    up = false;
    await nextState(c as WsClient, 'reconnecting');
  });

  it('says it is reconnecting while the server is down, and stops for good on close', async () => {
    const server = await startServer(() => {});
    const { port } = server.wss.address() as { port: number };
    await new Promise<void>((resolve) => server.wss.close(() => resolve()));
    const c = client(`ws://127.0.0.1:${port}/ws`);
    await nextState(c, 'reconnecting');
    await expect(c.client.call('getStatus', {})).rejects.toBeInstanceOf(ApiError);
    c.close();
    await expect(c.client.call('getStatus', {})).rejects.toThrow('The connection to Headroom is closed.');
  });
});

/** A page's location, history and sessionStorage as plain objects (what takePageToken touches). */
function fakePage(hash: string, host = '127.0.0.1:1') {
  const stored = new Map<string, string>();
  const replaced: string[] = [];
  const location = { protocol: 'http:', host, pathname: '/', search: '', hash };
  return {
    stored,
    replaced,
    location,
    history: { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
    sessionStorage: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) },
  };
}

describe('the page token', () => {
  const token = 'abcdefghijklmnopqrstuvwxyz012345';

  it('takes the token from the fragment, stores it for this tab, and drops it from the address bar', () => {
    const page = fakePage(`#token=${token}`);
    expect(takePageToken(page as unknown as Window)).toBe(token);
    expect(page.replaced).toEqual(['/']);
    expect(page.stored.get('headroom.token')).toBe(token);
    // A reload: no fragment any more, the stored token is used.
    const reload = fakePage('');
    reload.stored.set('headroom.token', token);
    expect(takePageToken(reload as unknown as Window)).toBe(token);
    expect(reload.replaced).toEqual([]);
  });

  it('refuses what is not a token, still dropping it from the address bar', () => {
    const page = fakePage('#token=%3Cimg%3E');
    expect(takePageToken(page as unknown as Window)).toBeNull();
    expect(page.replaced).toEqual(['/']);
    expect(page.stored.size).toBe(0);
    expect(tokenInFragment('#other=1')).toBeNull();
    expect(wsProtocolsFor(null)).toEqual(['headroom']);
    expect(wsProtocolsFor(token)).toEqual(['headroom', `headroom.token.${token}`]);
  });
});

describe('bridge client (stand-in for the Electron preload object)', () => {
  function standInBridge() {
    const listeners = new Map<string, Set<(d: unknown) => void>>();
    const calls: [string, unknown][] = [];
    const bridge: HeadroomBridge = {
      call: async (name, params) => {
        calls.push([name, params]);
        if (name === 'reap') throw new Error('Bad parameters for reap at targets: too small.');
        return { echoed: name };
      },
      subscribe(event, listener) {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
    };
    return { bridge, calls, listeners };
  }

  it('passes calls through, rejects with the error message, and unsubscribes on abort', async () => {
    const { bridge, calls, listeners } = standInBridge();
    const c = createBridgeClient(bridge);
    await expect(c.call('getStatus', {})).resolves.toEqual({ echoed: 'getStatus' });
    await expect(c.call('reap', { targets: [] })).rejects.toThrow('Bad parameters for reap at targets: too small.');
    expect(calls).toEqual([['getStatus', {}], ['reap', { targets: [] }]]);
    const controller = new AbortController();
    const got: unknown[] = [];
    c.subscribe('markers', (m) => got.push(m), controller.signal);
    for (const l of listeners.get('markers')!) l([]);
    expect(got).toEqual([[]]);
    controller.abort();
    expect(listeners.get('markers')!.size).toBe(0);
  });

  it('is chosen by createClient when window.headroom exists, else the WebSocket', async () => {
    const { bridge } = standInBridge();
    const win = { headroom: bridge, location: { protocol: 'http:', host: '127.0.0.1:1', search: '', hash: '' } } as unknown as Window;
    const picked = createClient(win);
    expect(picked.connection.state()).toBe('open');
    await expect(picked.client.call('getStatus', {})).resolves.toEqual({ echoed: 'getStatus' });
    const server = await startServer((req, socket) => socket.send(JSON.stringify({ id: req.id, ok: true, result: 'via ws' })));
    const { port } = server.wss.address() as { port: number };
    const token = 'T0ken_T0ken-T0ken_T0ken-T0ken_T0';
    const page = fakePage(`#token=${token}`, `127.0.0.1:${port}`);
    const ws = createClient({ WebSocket: WebSocketImpl, ...page } as unknown as Window);
    cleanups.push(() => (ws as WsClient).close());
    await expect(ws.client.call('getStatus', {})).resolves.toBe('via ws');
    // The token travels in the handshake only, and has left the address bar for sessionStorage.
    expect(server.upgradeUrls).toEqual(['/ws']);
    expect(server.offered.map((h) => h.split(/,\s*/))).toEqual([['headroom', `headroom.token.${token}`]]);
    expect(page.replaced).toEqual(['/']);
    expect(page.stored.get('headroom.token')).toBe(token);
  });
});
