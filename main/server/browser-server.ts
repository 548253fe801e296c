/**
 * Browser mode: the production renderer and the contract over HTTP + WebSocket, on 127.0.0.1 only,
 * behind a per-start token (as Jupyter does). The token arrives once in the URL; the response sets
 * an HttpOnly, SameSite=Strict cookie and redirects to the same page without it, so the token does
 * not stay in the address bar or history.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENT_NAMES } from '../../contract/channels';
import { MAX_WIRE_MESSAGE_BYTES } from '../../contract/wire';
import { SnapshotFanout } from '../fanout/snapshot-fanout';
import type { HeadroomService } from '../service/types';
import { allowedOrigins, isAuthorized, isOwnHost, newToken, sessionCookie } from './auth';
import { cspOf, defaultRendererDir, lookupStatic } from './static-files';
import { handleWireMessage } from './wire-handler';

/**
 * A client with this much unsent data skips snapshots until it catches up, then gets a full one:
 * its queue never holds more than this plus one message (a full snapshot is ≈ 560 KB at 2,000 processes).
 */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024;

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
  const csp = cspOf(rendererDir);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const service = options.service;
  let port = options.port;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const server = createServer((req, res) => {
    try {
      serveHttp(req, res);
    } catch (err) {
      log(`headroom serve: request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) plain(res, 500, 'Internal error.');
      else res.destroy();
    }
  });

  function securityHeaders(res: ServerResponse): void {
    res.setHeader('Content-Security-Policy', csp);
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
    if (!isAuthorized(req, url, port, token)) {
      plain(res, 403, 'Forbidden: open the address headroom serve printed, including its ?token=… part.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'Method not allowed: this server only serves the window.');
      return;
    }
    if (url.searchParams.has('token')) {
      // Valid token in the URL: remember it in a cookie, then drop it from the address bar.
      res.setHeader('Set-Cookie', sessionCookie(port, token));
      url.searchParams.delete('token');
      securityHeaders(res);
      // One leading slash only: `//host` would be a redirect to another site.
      res.writeHead(303, { Location: '/' + url.pathname.replace(/^\/+/, '') + url.search, 'Cache-Control': 'no-store' });
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
    if (!isAuthorized(req, url, port, token)) return refuseUpgrade(req, socket, 'no valid token or cookie');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      void handleWireMessage(service.handlers, data, isBinary, log).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(reply);
      });
    });
  });

  // Serialise each event once and send the same text to every client.
  const unsubscribers = EVENT_NAMES.filter((event) => event !== 'snapshot' && event !== 'snapshotDelta').map((event) =>
    service.on(event, (data) => {
      if (wss.clients.size === 0) return;
      const text = JSON.stringify({ event, data });
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text);
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
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () => closeAll(server, wss, unsubscribers),
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
