/**
 * Browser mode: the production renderer and the contract over HTTP + WebSocket, on 127.0.0.1 only,
 * behind a per-start token (as Jupyter does). The printed address carries the token in its fragment
 * (`/#token=…`), which the browser never sends; the page moves it to sessionStorage, drops it from
 * the address bar, and offers it as a WebSocket subprotocol (see auth.ts for why not a cookie). The
 * static files hold no data and are served to anyone who names this server in Host; the WebSocket,
 * which carries everything, needs the token, our Host and our Origin.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENT_NAMES } from '../../contract/channels';
import { MAX_WIRE_MESSAGE_BYTES } from '../../contract/plain';
import { SnapshotFanout } from '../fanout/snapshot-fanout';
import type { HeadroomService } from '../service/types';
import { allowedOrigins, isOwnHost, looksLikeToken, newToken, upgradeIsAuthorized, WS_PROTOCOL } from './auth';
import { createMetricsExporter } from './metrics';
import { browserCsp, cspOf, defaultRendererDir, lookupStatic } from './static-files';
import { lazyModuleAsync } from '../lazy-module';

// The contract's schemas (zod) load with a window's first message, not at start (lazy-module.ts).
const wireHandler = lazyModuleAsync('main/server/wire-handler', () => import('./wire-handler.js'));

/**
 * A client with this much unsent data skips snapshots until it catches up, then gets a full one, and
 * is cut off if it still asks for answers or an event is due: its queue never holds more than this
 * plus one message (a full snapshot is ≈ 560 KB at 2,000 processes).
 */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024;

/**
 * How often each client is pinged; one that has not answered the previous ping by the next is cut
 * off. A browser answers pings below its page's JavaScript (a busy or hidden tab still does), so
 * what this finds is a peer that stopped altogether (a stopped or hung browser): without it, its
 * connection and up to SLOW_CLIENT_BYTES of unsent data stayed as long as this server ran.
 */
const HEARTBEAT_MS = 30_000;

/**
 * Connections at most, and how long one may take to send its request's headers. Anyone on the
 * machine can connect without the token: 24,000 idle connections once took the process to 32 fds
 * short of its limit, where the sampler and the reaper need fds for new processes. Past the limit a
 * connection is closed at once (a window then cannot connect until the others go; sampling and
 * reaping go on), and a connection that sends no request is closed after the headers timeout.
 */
const MAX_CONNECTIONS = 256;
const HEADERS_TIMEOUT_MS = 10_000;

export interface BrowserServerOptions {
  service: HeadroomService;
  /** 0 picks a free port. */
  port: number;
  /** The renderer build; default dist/renderer next to this module's dist/main. */
  rendererDir?: string;
  /** The token; default a fresh random one. */
  token?: string;
  /** One line per refused upgrade or failed handler; default stderr. */
  log?: (line: string) => void;
  /** The ping interval; default HEARTBEAT_MS (tests make it short). */
  heartbeatMs?: number;
  /** How long a connection may take to send its headers; default HEADERS_TIMEOUT_MS (tests make it short). */
  headersTimeoutMs?: number;
}

export interface BrowserServer {
  /** The port actually bound (the free one picked when asked for 0). */
  readonly port: number;
  readonly token: string;
  /** The URL to open, token included. */
  readonly url: string;
  /** Stop listening, close every client, stop forwarding events (the service stays the caller's). */
  close(): Promise<void>;
}

/** Start the server on 127.0.0.1; resolves once it listens. Rejects with the listen error (e.g. EADDRINUSE). */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? newToken();
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const pageCsp = cspOf(rendererDir);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const service = options.service;
  let port = options.port;

  // The page offers `headroom` and `headroom.token.<token>`; we answer `headroom`, never the token.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WIRE_MESSAGE_BYTES,
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  // GET /metrics for Prometheus: its own credential (Authorization: Bearer), see metrics.ts.
  const metrics = createMetricsExporter(service);
  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  // Timeouts are checked every connectionsCheckingInterval (30 s by default): check 4 times per timeout.
  const server = createServer({ headersTimeout, requestTimeout: headersTimeout * 3, connectionsCheckingInterval: Math.max(250, headersTimeout / 4) }, (req, res) => {
    try {
      serveHttp(req, res);
    } catch (err) {
      log(`headroom serve: request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) plain(res, 500, 'Internal error.');
      else res.destroy();
    }
  });

  function securityHeaders(res: ServerResponse): void {
    res.setHeader('Content-Security-Policy', browserCsp(pageCsp, port));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  }

  function plain(res: ServerResponse, status: number, text: string): void {
    securityHeaders(res);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text + '\n');
  }

  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    if (!isOwnHost(req, port)) {
      plain(res, 403, 'Forbidden: Headroom answers only to http://127.0.0.1 and http://localhost on its own port.');
      return;
    }
    const url = requestUrl(req, port);
    if (!url) {
      plain(res, 400, 'Bad request target.');
      return;
    }
    if (url.pathname === '/metrics') return metrics.handle(req, res, token);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'Method not allowed: this server only serves the window.');
      return;
    }
    if (url.searchParams.has('token')) {
      // The old address form (`/?token=…`). Move the token to the fragment and set nothing: the page
      // takes it from there. Not checked here, so this answer says nothing about whether it is right.
      const presented = url.searchParams.get('token');
      url.searchParams.delete('token');
      securityHeaders(res);
      // One leading slash only: `//host` would be a redirect to another site.
      const target = '/' + url.pathname.replace(/^\/+/, '') + url.search + (looksLikeToken(presented) ? `#token=${presented}` : '');
      res.writeHead(303, { Location: target, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const found = lookupStatic(rendererDir, url.pathname);
    if (found.kind === 'bad-path') {
      plain(res, 400, 'Bad path.');
      return;
    }
    if (found.kind === 'not-found') {
      plain(res, 404, url.pathname === '/' ? 'The window is not built: run npm run build.' : 'Not found.');
      return;
    }
    securityHeaders(res);
    res.writeHead(200, {
      'Content-Type': found.contentType,
      // index.html names the hashed bundles of this build; never serve a stale one.
      'Cache-Control': found.isIndex ? 'no-store' : 'private, max-age=3600',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(found.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  function refuseUpgrade(req: IncomingMessage, socket: Socket, why: string): void {
    log(`headroom serve: refused WebSocket from ${req.socket.remoteAddress ?? '?'} (Origin ${JSON.stringify(req.headers.origin ?? null)}): ${why}`);
    socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req, port);
    const origin = req.headers.origin;
    if (!url || url.pathname !== '/ws') return refuseUpgrade(req, socket, 'no WebSocket at this path');
    if (!isOwnHost(req, port)) return refuseUpgrade(req, socket, 'foreign Host header');
    if (typeof origin !== 'string' || !allowedOrigins(port).includes(origin)) return refuseUpgrade(req, socket, 'missing or foreign Origin');
    if (!upgradeIsAuthorized(req, token)) return refuseUpgrade(req, socket, 'no valid token in the handshake');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  /** Send `text` to an open client, or cut it off when it already has SLOW_CLIENT_BYTES unsent. */
  const sendOrCutOff = (ws: WebSocket, text: string, what: 'answers' | 'events'): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > SLOW_CLIENT_BYTES) {
      log(`headroom serve: cut off a client that does not read its ${what} (${(ws.bufferedAmount / 1024 / 1024).toFixed(1)} MiB unsent)`);
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  // Clients pinged and not yet answered (a pong answers; so does any message).
  const unanswered = new Set<WebSocket>();
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let lastBeat = performance.now();
  const heartbeat = setInterval(() => {
    const now = performance.now();
    // This loop itself was held up (a machine thrashing): pongs that came meanwhile are still
    // unread — timers run before I/O — so judge no one this round, ping again.
    const judge = now - lastBeat < heartbeatMs * 1.5;
    lastBeat = now;
    for (const client of wss.clients) {
      if (judge && unanswered.has(client)) {
        log(`headroom serve: cut off a client that did not answer a ping for ${(heartbeatMs / 1000).toFixed(heartbeatMs < 1000 ? 1 : 0)} s`);
        unanswered.delete(client);
        client.terminate();
        continue;
      }
      unanswered.add(client);
      client.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => unanswered.delete(ws));
    ws.on('close', () => unanswered.delete(ws));
    ws.on('message', (data, isBinary) => {
      unanswered.delete(ws);
      void wireHandler().then(({ handleWireMessage }) => handleWireMessage(service.handlers, data, isBinary, log)).then((reply) => {
        // Answers cannot be skipped like snapshots: a client that asks without reading would grow
        // this queue without end. Cut it off; the window reconnects and starts from a full snapshot.
        sendOrCutOff(ws, reply, 'answers');
      });
    });
  });

  // Serialise each event once and send the same text to every client. Events cannot be skipped like
  // snapshots (a missed settings or guard event is not repeated): a client too far behind is cut off
  // instead, and the window reconnects from the current state.
  const unsubscribers = EVENT_NAMES.filter((event) => event !== 'snapshot' && event !== 'snapshotDelta').map((event) =>
    service.on(event, (data) => {
      if (wss.clients.size === 0) return;
      const text = JSON.stringify({ event, data });
      for (const client of wss.clients) sendOrCutOff(client, text, 'events');
    }),
  );
  // Snapshots: a full one to each new client at the first tick after it connects (the page asks
  // getSnapshot at once anyway), then deltas; a client that fell behind is skipped and resynced.
  const snapshots = new SnapshotFanout();
  unsubscribers.push(
    service.on('snapshot', (snapshot) => {
      snapshots.push(snapshot);
      for (const client of wss.clients) {
        if (client.readyState !== client.OPEN) continue;
        if (client.bufferedAmount > SLOW_CLIENT_BYTES) snapshots.skip(client);
        else {
          const text = snapshots.textFor(client);
          if (text !== null) client.send(text);
        }
      }
    }),
  );

  server.maxConnections = MAX_CONNECTIONS;
  // headersTimeout counts from a request's first byte: a connection that sends none is closed by
  // this idle timeout instead (ws clears it on the sockets it takes over).
  server.timeout = headersTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (err) => log(`headroom serve: server error: ${err.message}`));

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () => closeAll(server, wss, [...unsubscribers, () => metrics.close(), () => clearInterval(heartbeat)]),
  };
}

/**
 * The request target as a URL on this server. Only origin-form targets (`/path?query`) are
 * accepted; the target is appended to the origin rather than resolved against it, so `//host/x`
 * stays a path on this server instead of naming another host.
 */
function requestUrl(req: IncomingMessage, port: number): URL | null {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(`http://127.0.0.1:${port}${target}`);
  } catch {
    return null;
  }
}

async function closeAll(server: Server, wss: WebSocketServer, unsubscribers: Array<() => void>): Promise<void> {
  for (const unsubscribe of unsubscribers) unsubscribe();
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
