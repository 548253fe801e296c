/**
 * `npx tsx test/e2e/screenshot.ts [out.png]` — the README's screenshot, made the honest way: the
 * built `headroom serve` in Chromium (1280×800), real memory pressure from a bounded child cgroup
 * (KERNEL.md's recipe: 150 MiB limit, 400 MiB file, random reads from three threads), and a real 512 MiB hog reaped
 * through the window so a reap marker is on the chart. Everything it starts is stopped in `finally`,
 * and the cgroup and the file are removed. Needs `npm run build` first; Linux hybrid cgroup layout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startHog, stopAllHogs } from '../support/hogs';
import { startMemoryPressure, type MemoryPressure } from './pressure';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from './serve-process';

function memorySomeAvg10(): number {
  const match = /^some avg10=([\d.]+)/m.exec(readFileSync('/proc/pressure/memory', 'utf8'));
  return match ? Number(match[1]) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(out: string): Promise<void> {
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  let pressure: MemoryPressure | undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'headroom-screenshot-'));
  try {
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(serve.url);
    await page.getByRole('button', { name: '1 min' }).click();

    pressure = startMemoryPressure({ workDir, limitMiB: 150, fileMiB: 400, lifetimeSec: 180, readers: 3 });
    await pressure.ready;
    const hog = startHog({ mib: 512 });
    await hog.ready;
    // Let PSI build up: it rises over 10–20 s here.
    const started = Date.now();
    while (Date.now() - started < 40_000 && memorySomeAvg10() < 5) await sleep(1000);
    await sleep(5000);
    process.stdout.write(`memory some avg10 before the reap: ${memorySomeAvg10()} %\n`);

    await page.getByRole('searchbox').fill(String(hog.pid));
    await page.getByRole('button', { name: new RegExp(`^Reap .*\\(PID ${hog.pid}\\)$`) }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reap', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Freed/ }).first().waitFor({ timeout: 15_000 });
    await hog.exited;
    await page.getByRole('searchbox').fill('');
    // Show the recovery clock's answer when it comes (it waits for 90 % of the freed memory, ≤ 30 s).
    await page.getByText(/Recovered in/).first().waitFor({ timeout: 32_000 }).catch(() => process.stdout.write('recovery not measured within 30 s\n'));
    await sleep(4000);
    process.stdout.write(`memory some avg10 at the screenshot: ${memorySomeAvg10()} %\n`);
    // Keep the pointer off the charts so no tooltip covers them.
    await page.mouse.move(1270, 10);
    await sleep(500);
    await page.screenshot({ path: out });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await pressure?.stop();
    await stopAllHogs();
    await browser?.close();
    await serve?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main(process.argv[2] ?? join(__dirname, '..', '..', 'docs', 'screenshot.png')).catch((err: unknown) => {
  process.stderr.write(`screenshot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
