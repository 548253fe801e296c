/**
 * Drill: the window in real Chromium when browser mode goes away and comes back.
 *
 * Decision: every `headroom serve` start makes a new token (a restart retires every old tab and any
 * token that leaked), so after a real restart the page cannot get back in by itself. What it does:
 * while nothing answers it says "Disconnected — reconnecting…" and keeps trying; when the same
 * server comes back (same token) it reconnects and reloads its data by itself; when a restarted
 * server refuses its token it says plainly to open the new address, and that address works.
 * Part 1 restarts the server in this process with the same token and port; part 2 restarts the real
 * `headroom serve` process on the same port (new process, new token).
 */
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from '../e2e/serve-process';

const RENDERER_DIR = join(__dirname, '..', '..', 'dist', 'renderer');
const CONNECTED = 'Connected';
const DISCONNECTED = 'Disconnected \u2014 reconnecting\u2026';

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

const connection = (page: Page) => page.locator('.hr-connection');

async function waitForConnection(page: Page, text: string | RegExp, timeout = 30_000): Promise<void> {
  await expect.poll(async () => (await connection(page).textContent()) ?? '', { timeout }).toMatch(typeof text === 'string' ? new RegExp(`^${text}$`) : text);
}

describe('the window across server restarts (real Chromium)', () => {
  it('says it is disconnected while the server is down and reconnects by itself when it is back', async () => {
    const service: HostedHeadroomService = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore() });
    service.start();
    let server: BrowserServer | null = await startBrowserServer({ service, port: 0, rendererDir: RENDERER_DIR, log: () => {} });
    const { port, token } = server;
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await waitForConnection(page, CONNECTED);
      await server.close();
      server = null;
      await waitForConnection(page, DISCONNECTED);
      // Still down a while later: still says so (the probe finds nothing answering).
      await page.waitForTimeout(3000);
      expect(await connection(page).textContent()).toBe(DISCONNECTED);
      // Back on the same port with the same token: the page reconnects without a reload.
      server = await startBrowserServer({ service, port, token, rendererDir: RENDERER_DIR, log: () => {} });
      await waitForConnection(page, CONNECTED);
      expect(page.url()).toBe(`http://127.0.0.1:${port}/`);
      // And it works: the table is filled from the reconnected link.
      await expect.poll(() => page.getByRole('row').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    } finally {
      await page.close();
      await server?.close();
      await service.close();
    }
  }, 120_000);

  it('after a real `headroom serve` restart (new token) it says plainly to open the new address, which works', async () => {
    let serve: ServeProcess | null = await startServe();
    const port = serve.port;
    const page = await browser.newPage();
    try {
      await page.goto(serve.url);
      await waitForConnection(page, CONNECTED);
      const oldToken = serve.token;
      expect(await serve.stop()).toBe(0);
      serve = null;
      await waitForConnection(page, DISCONNECTED);
      serve = await startServe(['--port', String(port)]);
      expect(serve.port).toBe(port);
      expect(serve.token).not.toBe(oldToken);
      await waitForConnection(page, /^Headroom refused this page: it has no valid key\. If Headroom was restarted, open the new address headroom serve printed/);
      // The person pastes the new address into the same tab: only the fragment changes, and the
      // page reloads itself to take the new token.
      await page.goto(serve.url);
      await waitForConnection(page, CONNECTED);
      expect(page.url()).toBe(`${serve.origin}/`);
    } finally {
      await page.close();
      await serve?.stop();
    }
  }, 120_000);
});
