/** Browser mode's access token: one random secret per start, checked in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh token: 24 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a presented token with the real one (length leaks nothing useful: it is fixed). */
export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The cookie's name carries the port: cookies are not scoped by port, so two `headroom serve`
 * instances on one machine would otherwise overwrite each other's cookie.
 */
export function cookieName(port: number): string {
  return `headroom_${port}`;
}

/** The value of one cookie from the request's Cookie header, or null. */
export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie header value that lets this browser in for the rest of the session. */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** True when the request carries the token in `?token=` or in the session cookie. */
export function isAuthorized(req: IncomingMessage, url: URL, port: number, token: string): boolean {
  return tokenMatches(url.searchParams.get('token'), token) || tokenMatches(readCookie(req, cookieName(port)), token);
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

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750), or
 * null when there is no such header: the caller answers 401 then, and 403 for a wrong token.
 */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match ? match[1]! : null;
}
