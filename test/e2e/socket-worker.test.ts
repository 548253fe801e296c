// The browser-mode socket in real Chromium against the real `headroom serve`: it runs in a
// dedicated worker (renderer/transport/socket-worker.ts), so WebSocket frames are received and
// parsed off the window's main thread; the window works exactly as before through it, calls
// included; and when the worker cannot start, the window connects through its own socket.
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

/** Counts the WebSockets the page itself constructs (before any of its scripts run). */
const COUNT_PAGE_SOCKETS = `(() => {
  const Original = window.WebSocket;
  window.__pageSockets = 0;
  window.WebSocket = new Proxy(Original, { construct(target, args) { window.__pageSockets++; return Reflect.construct(target, args); } });
})()`;

/** Records whether the window ever said the server refused it (the words of a stale token). */
const WATCH_REFUSAL = `(() => {
  window.__saidRefused = false;
  new MutationObserver(() => {
    if (document.body && document.body.textContent.includes('Headroom refused this page')) window.__saidRefused = true;
  }).observe(document, { subtree: true, childList: true, characterData: true });
})()`;

/** The window is connected, shows live processes, and a call answered (the settings panel opens with the stored values). */
async function windowWorks(page: Page): Promise<void> {
  await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
  // Live snapshots: the table counts processes, and the count is the server's (more than a handful).
  await page.getByRole('treegrid').waitFor({ timeout: 20_000 });
  const rows = Number(await page.getByRole('treegrid').getAttribute('aria-rowcount'));
  expect(rows).toBeGreaterThan(1);
  // A call through the socket: getSettings answered, so Settings can open.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('dialog').waitFor({ timeout: 10_000 });
}

describe('browser mode: the WebSocket lives in a worker', () => {
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) expect(await serve.stop()).toBe(0);
  });

  it('receives the ticks in a dedicated worker, and the window works through it', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(COUNT_PAGE_SOCKETS);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(serve.url);
      await windowWorks(page);
      expect(page.workers().map((w) => w.url())).toEqual([expect.stringMatching(/\/assets\/socket-worker-[\w-]+\.js$/)]);
      // The page's own WebSocket was never constructed: every frame came through the worker.
      expect(await page.evaluate('window.__pageSockets')).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('connects through the page\u2019s own socket when the worker cannot start', async () => {
    const context = await browser.newContext();
    try {
      let refused = 0;
      await context.route(/\/assets\/socket-worker-[\w-]+\.js$/, (route) => {
        refused++;
        return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not here' });
      });
      const page = await context.newPage();
      await page.addInitScript(COUNT_PAGE_SOCKETS);
      await page.addInitScript(WATCH_REFUSAL);
      await page.goto(serve.url);
      await windowWorks(page);
      expect(refused).toBeGreaterThan(0);
      // The failed worker was not mistaken for a refused token: the window never said so.
      expect(await page.evaluate('window.__saidRefused')).toBe(false);
      expect(page.workers()).toEqual([]);
      expect(await page.evaluate('window.__pageSockets')).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});
