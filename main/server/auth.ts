/**
 * Browser mode's access token: one random secret per start, checked in constant time.
 *
 * The token is never a cookie. Cookies are not separated by port, so a cookie set by
 * 127.0.0.1:4719 would be sent to every other server on 127.0.0.1 the person visits, and that
 * server could replay it. Instead the printed address carries the token in its fragment
 * (`/#token=…`), which browsers never send anywhere; the page keeps it in sessionStorage (per
 * origin, so per port) and presents it only in the WebSocket handshake, as a subprotocol:
 * `Sec-WebSocket-Protocol: headroom, headroom.token.<token>`. The server answers `headroom` and
 * never echoes the token. The static files of the build hold no data and need no credential.
 * Non-browser clients (the /metrics scraper) present it as `Authorization: Bearer <token>`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The subprotocol the server selects; the page must offer it. */
export const WS_PROTOCOL = 'headroom';
/** The prefix of the subprotocol that carries the token. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'headroom.token.';

/** What a token looks like: base64url, as newToken makes them (also what fits in a subprotocol). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/** A fresh token: 24 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** True when `text` has the shape of a token (says nothing about whether it is the right one). */
export function looksLikeToken(text: string | null | undefined): text is string {
  return typeof text === 'string' && TOKEN_SHAPE.test(text);
}

/** Constant-time comparison of a presented token with the real one (length leaks nothing useful: it is fixed). */
export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The subprotocols a client offered, in order (`Sec-WebSocket-Protocol`, comma-separated). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * True when a WebSocket upgrade offers `headroom` and the right `headroom.token.<token>`
 * subprotocol. A query-string token or a cookie is not accepted.
 */
export function upgradeIsAuthorized(req: IncomingMessage, token: string): boolean {
  const offered = offeredProtocols(req);
  if (!offered.includes(WS_PROTOCOL)) return false;
  const carried = offered.filter((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  // One token only: a client offering several is guessing.
  return carried.length === 1 && tokenMatches(carried[0]!.slice(WS_TOKEN_PROTOCOL_PREFIX.length), token);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  // The scheme is case-insensitive and may be followed by several spaces (RFC 7235); Prometheus sends "Bearer ".
  const match = /^Bearer +([A-Za-z0-9_-]+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

/** The origins a page of this server has: exactly these may open the WebSocket. */
export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** True when the Host header names this server (refuses DNS-rebinding requests for another name). */
export function isOwnHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
