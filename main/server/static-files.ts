/** Serving the production renderer build: MIME types, no way out of the build directory. */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The CSP of the renderer's own meta tag (renderer/index.html), used when the built index.html has none. */
export const FALLBACK_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** Where `npm run build` puts the renderer, relative to this module in dist/main/server/. */
export function defaultRendererDir(): string {
  return resolve(__dirname, '..', '..', 'renderer');
}

/**
 * The Content-Security-Policy header: the built index.html's meta tag, so the two never disagree,
 * plus `frame-ancestors 'none'`, which browsers ignore in a meta tag but honour in a header.
 */
export function cspOf(rendererDir: string): string {
  let policy = FALLBACK_CSP;
  try {
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    if (match) policy = match[1]!;
  } catch {
    // No build yet: the server still answers, with the fallback policy.
  }
  return /frame-ancestors/.test(policy) ? policy : `${policy.replace(/;\s*$/, '')}; frame-ancestors 'none'`;
}

/**
 * The policy browser mode sends as a header: the page's own policy with `connect-src` narrowed to
 * this server's WebSocket (the Electron window's policy has no `ws:` at all; the page in a browser
 * needs exactly one).
 */
export function browserCsp(pagePolicy: string, port: number): string {
  const connect = `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`;
  const directives = pagePolicy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && !/^connect-src(\s|$)/i.test(d));
  return [...directives, connect].join('; ');
}

export type StaticLookup =
  | { kind: 'file'; path: string; contentType: string; isIndex: boolean }
  | { kind: 'bad-path' }
  | { kind: 'not-found' };

/**
 * Map a URL path to a file inside `rootDir`. The path is percent-decoded once, resolved, and must
 * still be inside `rootDir`; anything else (`..`, encoded `%2e%2e`, NUL, backslashes) is refused.
 * Then the real paths are compared (links resolved), so a link inside the build that points outside
 * it is refused too; the returned path is the real one that was checked.
 */
export function lookupStatic(rootDir: string, urlPath: string): StaticLookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-path' };
  const root = resolve(rootDir);
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = resolve(root, relative);
  if (full !== root && !full.startsWith(root + sep)) return { kind: 'bad-path' };
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(full);
  } catch {
    return { kind: 'not-found' };
  }
  if (!real.startsWith(realRoot + sep)) return { kind: 'bad-path' };
  try {
    if (!statSync(real).isFile()) return { kind: 'not-found' };
  } catch {
    return { kind: 'not-found' };
  }
  const contentType = MIME[extname(full).toLowerCase()] ?? 'application/octet-stream';
  return { kind: 'file', path: real, contentType, isIndex: real === join(realRoot, 'index.html') };
}
