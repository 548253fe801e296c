// End to end: a real kernel OOM kill (a 300 MiB python3 in a 150 MiB child memory cgroup) while
// the real window (production build, Debian's Chromium) watches the real `headroom serve` with its
// flight recorder in a temporary XDG_STATE_HOME. The window names the victim's PID and name in the
// event list and on the chart marker; /metrics counts it; after `headroom serve` restarts, the
// window opens with the kill read back from the recorder.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provokeOomKill } from './oom-kill';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

const artifacts = join(__dirname, '..', 'artifacts');

async function openWindow(browser: Browser, serve: ServeProcess, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  // Exactly the URL headroom serve printed, however it carries its token.
  const response = await page.goto(serve.url);
  expect(response?.status()).toBe(200);
  return page;
}

describe('a kernel OOM kill, seen in the window', () => {
  let stateHome: string;
  let serve: ServeProcess | null = null;
  let browser: Browser;

  beforeAll(async () => {
    stateHome = mkdtempSync(join(tmpdir(), 'headroom-e2e-state-'));
    serve = await startServe([], { env: { XDG_STATE_HOME: stateHome } });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    try {
      await browser?.close();
      if (serve) await serve.stop();
    } finally {
      rmSync(stateHome, { recursive: true, force: true });
    }
  });

  it('names the victim (PID and name) in the events and on the chart marker, counts it in /metrics, and keeps it across a restart', async () => {
    const errors: string[] = [];
    let page = await openWindow(browser, serve!, errors);
    const recorder = page.getByTestId('recorder-status');
    await expect.poll(() => recorder.textContent(), { timeout: 15_000 }).toContain(`Recording history to ${join(stateHome, 'headroom')}`);

    const kill = await provokeOomKill();
    expect(kill.signal).toBe('SIGKILL');
    expect(kill.groupOomKills).toBeGreaterThanOrEqual(1);

    const event = page.getByTestId('event').filter({ hasText: `PID ${kill.pid}` });
    await expect.poll(() => event.count(), { timeout: 20_000 }).toBe(1);
    const text = (await event.textContent())!;
    expect(text).toContain('Kernel OOM kill');
    expect(text).toContain('python3');
    expect(text).toContain(kill.cgroupPath.split('/').pop()!);
    // The marker on the chart: the kind and victim in words, the whole explanation as its tooltip.
    const titles = await page.locator('.hr-marker title').allTextContents();
    expect(titles.some((t) => t.includes(`python3 (PID ${kill.pid}`))).toBe(true);
    const texts = await page.locator('.hr-marker-text').allTextContents();
    expect(texts.some((t) => t.startsWith('Kernel OOM kill: python3'))).toBe(true);

    // Look back at the kill: the moment's figures and the event near it.
    await event.getByRole('button').click();
    await expect.poll(() => page.getByRole('list', { name: 'Events near this moment' }).textContent(), { timeout: 5_000 }).toContain(`PID ${kill.pid}`);

    const metrics = await fetch(`${serve!.origin}/metrics`, { headers: { Authorization: `Bearer ${serve!.token}` } });
    expect(metrics.status).toBe(200);
    const body = await metrics.text();
    const oomEvents = Number(/^headroom_events_total\{kind="oom-kill"\} (\d+)$/m.exec(body)?.[1]);
    expect(oomEvents).toBeGreaterThanOrEqual(1);

    mkdirSync(artifacts, { recursive: true });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(artifacts, 'oom-kill-window.png') });
    await page.context().close();

    // A new headroom serve on the same state folder: the window opens with the kill already there.
    await serve!.stop();
    serve = await startServe([], { env: { XDG_STATE_HOME: stateHome } });
    page = await openWindow(browser, serve, errors);
    const replayed = page.getByTestId('event').filter({ hasText: `PID ${kill.pid}` });
    await expect.poll(() => replayed.count(), { timeout: 20_000 }).toBe(1);
    expect(await replayed.textContent()).toContain('python3');
    await page.context().close();
    expect(errors).toEqual([]);
  }, 120_000);
});
