// The browser-mode credential in real Chromium against the real `headroom serve`: after the page was
// opened with its token, another local server the browser visits receives no credential (no cookie,
// no token in any header or URL), and a client holding only what the browser sent there is refused.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

interface Seen {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}

/** Try a WebSocket to Headroom with exactly these headers and subprotocols: 'open' or 'refused <status>'. */
function tryWs(port: number, headers: Record<string, string>, protocols: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocols, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve(`refused ${res.statusCode}`);
    });
    ws.once('error', (err) => resolve(`error ${err.message}`));
  });
}

describe('browser mode: the token stays with Headroom', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let other: Server;
  let otherPort = 0;
  const seen: Seen[] = [];

  beforeAll(async () => {
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    other = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>another local server</body></html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (other ? other.close(() => resolve()) : resolve()));
    if (serve) expect(await serve.stop()).toBe(0);
  });

  it('keeps the token out of cookies, addresses and other servers; what leaks elsewhere opens nothing', async () => {
    expect(otherPort).not.toBe(serve.port);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      expect((await page.goto(serve.url))?.status()).toBe(200);
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
      // Out of the address bar, into this tab's sessionStorage, and no cookie at all.
      expect(page.url()).toBe(`${serve.origin}/`);
      expect(await page.evaluate("sessionStorage.getItem('headroom.token')")).toBe(serve.token);
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(await context.cookies()).toEqual([]);
      // A reload keeps the window connected (sessionStorage survives it).
      await page.reload();
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });

      // The person then visits other local servers: directly, by navigating away from Headroom's
      // page, and in a second tab, under both names of the machine.
      await page.evaluate(`location.assign('http://127.0.0.1:${otherPort}/from-headroom')`);
      await page.waitForURL(`http://127.0.0.1:${otherPort}/from-headroom`);
      const second = await context.newPage();
      await second.goto(`http://127.0.0.1:${otherPort}/second-tab?q=1`);
      await second.goto(`http://localhost:${otherPort}/by-name`);
      await page.goBack();
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
      expect(seen.map((s) => s.url)).toEqual(expect.arrayContaining(['/from-headroom', '/second-tab?q=1', '/by-name']));
      for (const s of seen) {
        expect(s.headers.cookie, s.url).toBeUndefined();
        expect(s.headers.authorization, s.url).toBeUndefined();
        expect(s.url + s.rawHeaders.join('\n'), s.url).not.toContain(serve.token);
        // Its own pages may name themselves as referrer; Headroom's page never appears.
        expect(String(s.headers.referer ?? ''), s.url).not.toMatch(new RegExp(`(127\\.0\\.0\\.1|localhost):${serve.port}\\b`));
      }
      expect(errors).toEqual([]);

      // A client holding exactly what the browser sent to the other port, aimed at Headroom with the
      // right Host and Origin, is refused; so is the old cookie, even with the real token in it.
      const replayed: Record<string, string> = {};
      for (let i = 0; i < seen[0]!.rawHeaders.length; i += 2) {
        const name = seen[0]!.rawHeaders[i]!;
        if (!/^(host|connection|upgrade)$/i.test(name)) replayed[name] = seen[0]!.rawHeaders[i + 1]!;
      }
      const own = { Host: `127.0.0.1:${serve.port}`, Origin: serve.origin };
      expect(await tryWs(serve.port, { ...replayed, ...own })).toBe('refused 403');
      expect(await tryWs(serve.port, { ...replayed, ...own }, ['headroom'])).toBe('refused 403');
      expect(await tryWs(serve.port, { ...own, Cookie: `headroom_${serve.port}=${serve.token}` }, ['headroom'])).toBe('refused 403');
      // The handshake the page makes is what opens it (the control: the refusals above are not an
      // accident of this client).
      expect(await tryWs(serve.port, own, ['headroom', `headroom.token.${serve.token}`])).toBe('open');
    } finally {
      await context.close();
    }
    expect(serve.stderr()).toMatch(/refused WebSocket .*no valid token in the handshake/);
  }, 90_000);

  it('a page opened without the token, or with a wrong one, says plainly what to do', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      expect((await page.goto(`${serve.origin}/`))?.status()).toBe(200);
      await page.getByText(/Headroom refused this page: it has no valid key/).waitFor({ timeout: 20_000 });
      // Only the fragment changes: the page reloads itself to take the (here wrong) token.
      await page.goto(`${serve.origin}/#token=${'A'.repeat(serve.token.length)}`);
      await expect.poll(() => page.url()).toBe(`${serve.origin}/`);
      await page.getByText(/open the new address headroom serve printed/).waitFor({ timeout: 20_000 });
      expect(page.url()).toBe(`${serve.origin}/`);
      // The old address form still works: the server moves the token to the fragment.
      await page.goto(`${serve.origin}/?token=${serve.token}`);
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
      expect(page.url()).toBe(`${serve.origin}/`);
      expect(await context.cookies()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
