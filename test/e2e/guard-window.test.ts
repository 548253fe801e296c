// The guard drill in the window: the real renderer build in Debian's Chromium against the real
// `headroom serve` (its guard watching real PSI), with a real thrasher that has per-app pressure
// (its own v2 group app-hrdrill-<pid>.scope plus a 100 MiB v1 memory limit and 8 readers, KERNEL.md,
// as in the guard's own drill), started once the server and the page are up and calm, and an idle
// 256 MiB bystander in another app scope. Low guard thresholds come from a throwaway settings file;
// auto-reap stays off, so the only kill is the one a person confirms: the alert banner names the
// thrasher, says what auto-reap would do, its Reap opens the usual confirmation, and confirming
// ends the thrasher and only it. Everything started here is stopped in afterAll, by PID. Other
// engineers' drills share this machine's PSI: an episode opened before the thrasher, or an alert
// naming another app, fails with a message saying so rather than a bare timeout on the wrong name.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';
import { removeGroup, startMemoryPressure, type MemoryPressure } from './pressure';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

const artifacts = join(__dirname, '..', 'artifacts');

let work = '';
let serve: ServeProcess | undefined;
let browser: Browser | undefined;
let thrasher: MemoryPressure | undefined;
let bystander: Hog | undefined;
let bystanderGroup: string | null = null;


beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'headroom-guard-window-'));
  // Warn at 4 % some for 2 s (the guard drill's levels); auto-reap off (the default, said
  // explicitly). The guard's lock lives in the work folder, so this server never competes with
  // another guard on this machine.
  serve = await startServe([], {
    settings: { guardWarnSomePct: 4, guardActFullPct: 1, guardSustainSeconds: 2, autoReap: false },
    env: { HEADROOM_GUARD_LOCK: join(work, 'guard.lock') },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await thrasher?.stop();
    await stopAllHogs();
    if (bystanderGroup) await removeGroup(bystanderGroup);
    const code = await serve?.stop();
    rmSync(work, { recursive: true, force: true });
    // The server outlived the drill and shuts down cleanly.
    if (serve) expect(code).toBe(0);
  }
}, 60_000);

describe('the guard in the window, on real per-app pressure (Chromium over browser mode)', () => {
  it('the alert names the thrasher with its reason; its Reap opens the usual confirmation; confirming ends the thrasher and only it', async () => {
    bystander = startHog({ mib: 256, lifetimeSec: 240 });
    await bystander.ready;

    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // The URL exactly as `headroom serve` printed it.
    await page.goto(serve!.url);
    await page.getByRole('button', { name: '1 min' }).click();

    // The status bar says how the guard watches (2 s trigger windows on this machine, or polling and why).
    const mode = page.getByRole('contentinfo').locator('.hr-guard-mode');
    await expect.poll(() => mode.textContent(), { timeout: 20_000 }).toMatch(/^Guard: (PSI triggers, \d+ (s|ms) window|polling)/);
    const modeText = (await mode.textContent())!;

    // The server and its guard run before the runaway starts, as on a desktop; a few calm seconds
    // first, so an episode opened by pressure from elsewhere is told apart from ours.
    const banner = page.getByRole('region', { name: 'Pressure guard' });
    const alert = banner.getByRole('alert');
    await page.waitForTimeout(3000);
    if ((await alert.count()) > 0) {
      throw new Error(`system memory pressure from elsewhere opened an episode before the thrasher started (other drills share this machine); rerun on a quieter machine: ${await alert.textContent()}`);
    }
    thrasher = startMemoryPressure({ workDir: work, appScope: 'hrdrill', readers: 8, limitMiB: 100, fileMiB: 400, lifetimeSec: 180 });
    await thrasher.ready;
    const thrasherPid = thrasher.child.pid!;
    bystanderGroup = join(thrasher.appGroup!, '..', `app-hrbystander-${process.pid}.scope`);
    mkdirSync(bystanderGroup);
    writeFileSync(join(bystanderGroup, 'cgroup.procs'), String(bystander.pid));

    // The alert names the thrasher (the guard's reason starts with the app's name) and what auto-reap would do.
    let seen = '';
    const named = await expect
      .poll(async () => (seen = (await alert.count()) > 0 ? ((await alert.textContent()) ?? '') : ''), { timeout: 90_000, interval: 500 })
      .toMatch(/Memory pressure: hrdrill is the likely cause/)
      .then(() => null, (err: unknown) => err);
    if (named !== null) {
      if (seen !== '') {
        throw new Error(
          `the alert named another app, not the thrasher: "${seen}". If another drill was running, pressure from elsewhere opened the episode first: rerun on a quieter machine; otherwise the guard blamed the wrong app.`,
        );
      }
      throw named;
    }
    const alertText = (await alert.textContent())!;
    expect(alertText).toMatch(/hrdrill: [\d.]+ % of its time stalled on memory/);
    expect(alertText).toMatch(/Auto-reap is off: it would (have )?reap(ed)? hrdrill\./);

    mkdirSync(artifacts, { recursive: true });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(artifacts, 'guard-window.png') });

    // Reap goes through the usual confirmation, listing the thrasher's PID; nothing is sent before Confirm.
    await banner.getByRole('button', { name: 'Reap hrdrill\u2026' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reap the app hrdrill?' });
    await dialog.waitFor({ timeout: 5_000 });
    const dialogText = (await dialog.textContent())!;
    expect(dialogText).toContain(String(thrasherPid));
    expect(dialogText).not.toContain(String(bystander.pid));
    expect(thrasher.child.exitCode).toBeNull();
    expect(thrasher.child.signalCode).toBeNull();
    await dialog.getByRole('button', { name: 'Reap', exact: true }).click();

    await new Promise<void>((resolve) => (thrasher!.child.exitCode !== null || thrasher!.child.signalCode !== null ? resolve() : thrasher!.child.once('exit', () => resolve())));
    expect(thrasher.child.signalCode).toBe('SIGKILL');
    const result = page.getByRole('status').filter({ hasText: /Freed|Killed/ });
    await result.first().waitFor({ timeout: 15_000 });

    // Only the thrasher: the bystander and the server live.
    await page.waitForTimeout(1000);
    expect(bystander.alive()).toBe(true);
    expect(serve!.child.exitCode).toBeNull();
    expect(errors).toEqual([]);
    console.log(`guard-window drill: ${modeText}; alert: ${alertText}; result: ${await result.first().textContent()}`);
  }, 180_000);
});
