/**
 * The window's own scheme: `app://headroom/…` serves the renderer build and nothing else.
 *
 * Why not `file://`: Vite's output is `<script type="module">`, which Chromium loads from `file://`
 * only with Electron's `grantFileProtocolExtraPrivileges` fuse on, and that fuse gives every
 * `file://` page extra reach into the file system. A privileged standard scheme gives the page a
 * real origin (`app://headroom`) instead, so the fuse is off (electron-builder.yml).
 *
 * Every request goes through the same lookup as browser mode (main/server/static-files.ts): the
 * path is decoded once, must stay inside dist/renderer, and the real path (links resolved) must too.
 * Only GET and HEAD, only the host `headroom`. Responses carry the page's CSP as a header as well.
 */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { cspOf, lookupStatic } from '../main/server/static-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'headroom';
/** The address the window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Declare the scheme standard and secure. Electron requires this before `app` is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, bypassCSP: false, allowServiceWorkers: false, stream: false } },
  ]);
}

/** Serve `rendererDir` on the scheme (after `app` is ready). */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, appRequestHandler(rendererDir));
}

function refuse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The handler itself, separate so it can run (and be tested) without Electron. */
export function appRequestHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const csp = cspOf(rendererDir);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Only GET and HEAD.');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse(400, 'Bad address.');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'Not found.');
    const found = lookupStatic(rendererDir, url.pathname);
    if (found.kind === 'bad-path') return refuse(400, 'Bad path.');
    if (found.kind === 'not-found') return refuse(404, 'Not found.');
    const headers = { 'Content-Type': found.contentType, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    return new Response(await readFile(found.path), { status: 200, headers });
  };
}
