// End to end: the real window (production renderer build) in Debian's Chromium, against the real
// `headroom serve` (real sampler, real reaper), reaping a real 512 MiB hog child.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHog, stopAllHogs } from '../support/hogs';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

const MiB = 1024 * 1024;
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB, GiB: 1024 * MiB, TiB: 1024 * 1024 * MiB };
const artifacts = join(__dirname, '..', 'artifacts');

/** "Freed 512 MiB in 84 ms…" → bytes, or null when the text says no such thing. */
function freedBytesIn(text: string): number | null {
  const match = /Freed\s+([\d.,]+)\s*(B|KiB|MiB|GiB|TiB)/.exec(text);
  return match ? Number(match[1]!.replace(',', '.')) * UNITS[match[2]!]! : null;
}

describe('the window in Chromium against headroom serve', () => {
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterEach(async () => {
    await stopAllHogs();
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) {
      const code = await serve.stop();
      // A clean shutdown on SIGTERM is part of the contract of `headroom serve`.
      expect(code).toBe(0);
    }
  });

  it('reaps a 512 MiB hog: the row disappears, the status says what was freed, the chart marks it', async () => {
    const hog = startHog({ mib: 512 });
    await hog.ready;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const response = await page.goto(serve.url);
      expect(response?.status()).toBe(200);
      // The token left the address bar (it is in sessionStorage, see browser-token.test.ts).
      expect(page.url()).toBe(`${serve.origin}/`);

      await page.getByRole('searchbox').fill(String(hog.pid));
      const reapButton = page.getByRole('button', { name: new RegExp(`^Reap .*\\(PID ${hog.pid}\\)$`) });
      const row = page.getByRole('row').filter({ has: reapButton });
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
      expect(await row.textContent()).toContain(String(hog.pid));

      mkdirSync(artifacts, { recursive: true });
      await reapButton.click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor({ timeout: 5_000 });
      expect(await dialog.textContent()).toContain(String(hog.pid));
      await dialog.getByRole('button', { name: 'Reap', exact: true }).click();

      const status = page.getByRole('status').filter({ hasText: /Freed/ });
      await status.first().waitFor({ timeout: 15_000 });
      const freed = freedBytesIn((await status.first().textContent()) ?? '');
      expect(freed).not.toBeNull();
      expect(freed!).toBeGreaterThanOrEqual(400 * MiB);

      await hog.exited;
      expect(hog.alive()).toBe(false);
      await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
      const marker = page.locator('[data-testid="reap-marker"]');
      await expect.poll(() => marker.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

      // The main window with the marker on the chart, for a person to look at.
      await page.getByRole('searchbox').fill('');
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(artifacts, 'window.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
