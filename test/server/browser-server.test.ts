// The real browser-mode server on the real service (real sampler, real reaper): the token in the
// WebSocket handshake (never a cookie, never a URL), traversal, Origin checks and malformed messages. Only 127.0.0.1, a free port per run.
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_WIRE_MESSAGE_BYTES } from '../../contract/wire';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { get } from './raw-get';

/** Open a WebSocket; resolves with the socket or rejects with the refusal. */
function openWs(port: number, path: string, headers: Record<string, string>, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new Error(`refused with HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

/** Send text and wait for the reply to it (events are skipped). */
function ask(ws: WebSocket, text: string | Buffer, id: number | null): Promise<{ id: number | null; ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString());
      if ('event' in msg) return;
      if (msg.id !== id) return;
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.send(text);
  });
}

describe('headroom serve: the browser-mode server', () => {
  let service: HostedHeadroomService;
  let server: BrowserServer;
  let root: string;
  const logged: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'headroom-server-'));
    const rendererDir = join(root, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(
      join(rendererDir, 'index.html'),
      `<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; object-src 'none'" /></head><body>window</body></html>`,
    );
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'outside the build');
    // Links inside the build: one pointing out of it (refused), one staying inside (served).
    symlinkSync(join(root, 'secret.txt'), join(rendererDir, 'assets', 'escape.txt'));
    symlinkSync(root, join(rendererDir, 'up'));
    symlinkSync(join(rendererDir, 'assets', 'app.js'), join(rendererDir, 'inside.js'));
    service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore() });
    service.start();
    server = await startBrowserServer({ service, port: 0, rendererDir, log: (line) => logged.push(line) });
  });

  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const protocols = () => ['headroom', `headroom.token.${server.token}`];
  const origin = () => `http://127.0.0.1:${server.port}`;
  const open = () => openWs(server.port, '/ws', { Origin: origin() }, protocols());

  it('binds 127.0.0.1 and prints a URL with a 32-character token in the fragment only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves the build (which holds no data) without a credential, with its security headers', async () => {
    const page = await get(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('window');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    // The meta tag's policy, frame-ancestors (ignored in a meta tag, honoured in a header), and
    // connect-src narrowed to this server's own WebSocket.
    expect(page.headers['content-security-policy']).toBe(
      `default-src 'self'; object-src 'none'; frame-ancestors 'none'; connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`,
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const js = await get(server.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('moves an old ?token= address to the fragment, checking and setting nothing', async () => {
    const right = await get(server.port, `/?token=${server.token}`);
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe(`/#token=${server.token}`);
    expect(right.headers['set-cookie']).toBeUndefined();
    // A wrong token gets the same answer: the redirect is no oracle.
    const wrong = await get(server.port, `/?token=${'x'.repeat(32)}`);
    expect(wrong.status).toBe(303);
    expect(wrong.headers.location).toBe(`/#token=${'x'.repeat(32)}`);
    // Something that is not a token shape is dropped rather than reflected.
    const junk = await get(server.port, '/?token=%3Cscript%3E&x=1');
    expect(junk.headers.location).toBe('/?x=1');
  });

  it('never redirects to another site', async () => {
    const res = await get(server.port, `//evil.example/x?token=${server.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/evil.example/x#token=${server.token}`);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(server.port, '/', { Host: 'evil.example:80' });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('window');
  });

  it('never serves a file outside the renderer build', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/..\\secret.txt', '/%00', '/%E0%A4%A']) {
      const res = await get(server.port, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('outside the build');
    }
    expect((await get(server.port, '/nope.js')).status).toBe(404);
    // A real link inside the build pointing outside it is refused by real path, not path text.
    for (const path of ['/assets/escape.txt', '/up/secret.txt']) {
      const res = await get(server.port, path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).not.toContain('outside the build');
    }
    // The control: a link that stays inside the build is served.
    const inside = await get(server.port, '/inside.js');
    expect(inside.status).toBe(200);
    expect(inside.body).toBe('console.log(1)');
  });

  it('refuses WebSocket upgrades without the token subprotocol, with a foreign Origin or Host, or with the token anywhere else', async () => {
    const before = logged.length;
    const token = server.token;
    const o = { Origin: origin() };
    // The right token, but the wrong Origin or Host.
    await expect(openWs(server.port, '/ws', { Origin: 'http://evil.example' }, protocols())).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/ws', { Origin: `http://127.0.0.1:${server.port + 1}` }, protocols())).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/ws', {}, protocols())).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/ws', { ...o, Host: 'evil.example' }, protocols())).rejects.toThrow(/403/);
    // The token where it used to be accepted: a cookie, the query string.
    await expect(openWs(server.port, '/ws', { ...o, Cookie: `headroom_${server.port}=${token}` })).rejects.toThrow(/403/);
    await expect(openWs(server.port, `/ws?token=${token}`, o)).rejects.toThrow(/403/);
    await expect(openWs(server.port, `/ws?token=${token}`, o, ['headroom'])).rejects.toThrow(/403/);
    // A wrong token, the token without `headroom`, two tokens, the wrong path.
    await expect(openWs(server.port, '/ws', o, ['headroom', `headroom.token.${'b'.repeat(32)}`])).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/ws', o, [`headroom.token.${token}`])).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/ws', o, ['headroom', `headroom.token.${token}`, `headroom.token.${'c'.repeat(32)}`])).rejects.toThrow(/403/);
    await expect(openWs(server.port, '/elsewhere', o, protocols())).rejects.toThrow(/403/);
    expect(logged.length - before).toBe(11);
    expect(logged.at(-1)).toMatch(/refused WebSocket/);
    expect(logged.join('\n')).not.toContain(token);
    // localhost is an allowed origin; the server selects `headroom` and never echoes the token.
    const ws = await openWs(server.port, '/ws', { Origin: `http://localhost:${server.port}` }, protocols());
    expect(ws.protocol).toBe('headroom');
    ws.close();
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const probe = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, protocols(), { headers: o });
      probe.once('upgrade', (res) => resolve(res.headers));
      probe.once('error', reject);
      probe.once('open', () => probe.close());
    });
    expect(headers['sec-websocket-protocol']).toBe('headroom');
    expect(JSON.stringify(headers)).not.toContain(token);
  });

  it('answers calls over the WebSocket and pushes snapshot events', async () => {
    const ws = await open();
    try {
      const event = new Promise<{ event: string; data: { seq: number } }>((resolve) => {
        ws.on('message', (d) => {
          const msg = JSON.parse(d.toString());
          if (msg.event === 'snapshot') resolve(msg);
        });
      });
      const status = await ask(ws, JSON.stringify({ id: 1, call: 'getStatus' }), 1);
      expect(status.ok).toBe(true);
      expect((status.result as { shell: string }).shell).toBe('browser');
      const snapshot = await event;
      expect(snapshot.data.seq).toBeGreaterThanOrEqual(0);
    } finally {
      ws.close();
    }
  });

  it('answers malformed messages with errors and stays usable', async () => {
    const ws = await open();
    try {
      const notJson = await ask(ws, '{nope', null);
      expect(notJson).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST' } });
      const wrongShape = await ask(ws, JSON.stringify({ id: 7, method: 'getStatus' }), 7);
      expect(wrongShape).toMatchObject({ id: 7, ok: false, error: { code: 'BAD_REQUEST' } });
      const array = await ask(ws, '[1,2,3]', null);
      expect(array.error?.code).toBe('BAD_REQUEST');
      const unknown = await ask(ws, JSON.stringify({ id: 8, call: 'rmRf', params: {} }), 8);
      expect(unknown).toMatchObject({ id: 8, ok: false, error: { code: 'UNKNOWN_CALL' } });
      const badParams = await ask(ws, JSON.stringify({ id: 9, call: 'reap', params: { targets: [{ pid: 1, startTime: 0 }] } }), 9);
      expect(badParams).toMatchObject({ id: 9, ok: false, error: { code: 'BAD_REQUEST' } });
      const binary = await ask(ws, Buffer.from(JSON.stringify({ id: 10, call: 'getStatus' })), null);
      expect(binary.error?.code).toBe('BAD_REQUEST');
      // Large but within the limit: parsed and refused for what it says, not for its size.
      const big = JSON.stringify({ id: 11, call: 'setSettings', params: { sessionCritical: ['x'.repeat(MAX_WIRE_MESSAGE_BYTES - 200)] } });
      expect(Buffer.byteLength(big)).toBeLessThan(MAX_WIRE_MESSAGE_BYTES);
      const bigReply = await ask(ws, big, 11);
      expect(bigReply).toMatchObject({ id: 11, ok: false, error: { code: 'BAD_REQUEST' } });
      const still = await ask(ws, JSON.stringify({ id: 12, call: 'getSettings' }), 12);
      expect(still.ok).toBe(true);
    } finally {
      ws.close();
    }
  });

  it('cuts off a client that stops answering pings (a stopped browser) and keeps one that answers', async () => {
    const heartbeatMs = 300;
    const beating = await startBrowserServer({ service, port: 0, rendererDir: join(root, 'renderer'), log: (line) => logged.push(line), heartbeatMs });
    const openOn = (autoPong: boolean) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${beating.port}/ws`, ['headroom', `headroom.token.${beating.token}`], { headers: { Origin: `http://127.0.0.1:${beating.port}` }, autoPong });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    try {
      const started = Date.now();
      const silent = await openOn(false);
      const closed = new Promise<number>((resolve) => silent.once('close', resolve));
      const answering = await openOn(true);
      expect(await closed).toBe(1006);
      // Cut off at the second ping at the earliest (the first one is unanswered until then).
      expect(Date.now() - started).toBeGreaterThanOrEqual(heartbeatMs);
      // The answering client outlives several more rounds and is still served.
      await new Promise((r) => setTimeout(r, 4 * heartbeatMs));
      expect(answering.readyState).toBe(WebSocket.OPEN);
      expect((await ask(answering, JSON.stringify({ id: 7, call: 'getStatus', params: {} }), 7)).ok).toBe(true);
      expect(logged.filter((l) => l.includes('did not answer a ping'))).toHaveLength(1);
      answering.close();
    } finally {
      await beating.close();
    }
  }, 20_000);

  it('judges no one by a ping sent before its own loop was held up (a thrashing machine): the answer is still unread', async () => {
    const heartbeatMs = 200;
    const beating = await startBrowserServer({ service, port: 0, rendererDir: join(root, 'renderer'), log: (line) => logged.push(line), heartbeatMs });
    // Runs right after each of the server's heartbeats (same interval, created later: same timer list).
    let beats = 0;
    const holdUp = setInterval(() => {
      // At the third beat, hold this loop for 3 beats right after the ping went out, past the timers
      // (so the next turn starts with them, before any I/O): the client in another process answers
      // meanwhile, and its pong waits in the socket unread when the next beat comes due.
      if (++beats === 3) {
        setImmediate(() => {
          const until = performance.now() + 3 * heartbeatMs;
          while (performance.now() < until);
        });
      }
    }, heartbeatMs);
    // The client in its own process, so it answers while this loop is held.
    const client = spawn(process.execPath, ['-e', `
      const WebSocket = require('ws');
      const ws = new WebSocket('ws://127.0.0.1:${beating.port}/ws', ['headroom', 'headroom.token.${beating.token}'], { headers: { Origin: 'http://127.0.0.1:${beating.port}' } });
      ws.on('open', () => console.log('open'));
      ws.on('close', () => { console.log('closed'); process.exit(0); });
      setTimeout(() => process.exit(3), 20000);
    `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    client.stdout.on('data', (d) => (out += d));
    const before = logged.length;
    try {
      while (!out.includes('open')) await new Promise((r) => setTimeout(r, 20));
      while (beats < 6) await new Promise((r) => setTimeout(r, 50));
      expect(out).not.toContain('closed');
      expect(logged.slice(before).filter((l) => l.includes('did not answer a ping'))).toEqual([]);
    } finally {
      clearInterval(holdUp);
      client.kill('SIGKILL');
      await beating.close();
    }
  }, 20_000);

  it('closes connections that send no request, holds at most 256, and keeps a window connected past every timeout', async () => {
    const headersTimeoutMs = 300;
    const limited = await startBrowserServer({ service, port: 0, rendererDir: join(root, 'renderer'), log: (line) => logged.push(line), headersTimeoutMs });
    const sockets: Socket[] = [];
    try {
      const window = await openWs(limited.port, '/ws', { Origin: `http://127.0.0.1:${limited.port}` }, ['headroom', `headroom.token.${limited.token}`]);
      // 300 connections that never send a request (anyone on the machine can make them, no token needed).
      const closedAt: number[] = [];
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 300 }, () => new Promise<void>((resolve) => {
          const socket = connect(limited.port, '127.0.0.1', () => resolve());
          socket.on('error', () => {});
          socket.on('close', () => closedAt.push(Date.now() - started));
          sockets.push(socket);
        })),
      );
      // Over the limit (256, the window's included), closed at once.
      const deadline = Date.now() + 5000;
      while (closedAt.length < 300 - 255 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(closedAt.length).toBeGreaterThanOrEqual(300 - 255);
      // The rest, silent, closed by the headers timeout (checked every 250 ms here).
      while (closedAt.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(closedAt.length).toBe(300);
      // The window outlived the headers and request timeouts several times over, and is served.
      await new Promise((r) => setTimeout(r, 3 * headersTimeoutMs * 3));
      expect(window.readyState).toBe(WebSocket.OPEN);
      expect((await ask(window, JSON.stringify({ id: 9, call: 'getStatus', params: {} }), 9)).ok).toBe(true);
      window.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await limited.close();
    }
  }, 20_000);

  it('refuses a message nesting 300,000 arrays before parsing it, and an object of 50,000 keys with a short answer', async () => {
    const ws = await open();
    try {
      const deep = `{"id":3,"call":"getStatus","params":{"x":${'['.repeat(300_000)}${']'.repeat(300_000)}}}`;
      const deepReply = await ask(ws, deep, null);
      expect(deepReply.error).toEqual({ code: 'BAD_REQUEST', message: 'The message nests deeper than 10 levels; no request does.' });
      const wide = `{"id":4,"call":"setSettings","params":{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(',')}}}`;
      const wideReply = await ask(ws, wide, 4);
      expect(wideReply.error).toEqual({ code: 'BAD_REQUEST', message: 'Bad parameters for setSettings: an object with 50000 keys (no call takes more than 64).' });
      // Still served.
      expect((await ask(ws, JSON.stringify({ id: 5, call: 'getStatus', params: {} }), 5)).ok).toBe(true);
    } finally {
      ws.close();
    }
  });

  it('closes a connection that sends more than the message limit (1009) and keeps serving others', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(MAX_WIRE_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    const again = await open();
    try {
      expect((await ask(again, JSON.stringify({ id: 1, call: 'getSettings' }), 1)).ok).toBe(true);
    } finally {
      again.close();
    }
  });
});

describe('headroom serve: the command', () => {
  const cli = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');

  it('refuses to run as root without --allow-root, in one line, exit 2', () => {
    expect(process.getuid?.()).toBe(0); // CI and this machine run as root; the check is meaningless otherwise
    const res = spawnSync(process.execPath, [cli, 'serve', '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/refusing to run as root.*--allow-root/);
    expect(res.stdout).toBe('');
  });

  it('rejects a bad port as a usage error', () => {
    const res = spawnSync(process.execPath, [cli, 'serve', '--port', '70000', '--allow-root'], { encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--port must be between 0 and 65535/);
  });
});
