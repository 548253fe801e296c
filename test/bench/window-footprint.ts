/**
 * Footprint with a window (`npm run bench -- window-footprint`; not in a plain `npm run bench`: it
 * takes ~13 minutes): the real `headroom serve` with 2,000 extra idle processes and one Chromium page
 * opened a while after start (HR_BENCH_WINDOW_AFTER_S, default 150 s: after the service's own
 * start-up drop of node's cold pages at one minute, as a person opening the window later), then its
 * RSS — anonymous and file-backed apart — every minute for HR_BENCH_MINUTES (default 10) after the
 * window connected. HR_BENCH_BASELINE_DIR=<a built checkout> runs that build's serve beside it, with
 * its own page, on the same process table (goal 4 of issue 11: ≤ 60 MiB after 10 minutes).
 * HR_BENCH_SETTINGS_FILE=1 gives each serve a settings file, as a person who changed any setting has:
 * the service then parses it (with zod) at start, so the "headless, just before" row is that case.
 *
 * Honest notes: Chromium is driven by Playwright (network events on; the page's work, not the
 * server's, is what that costs). The children sit in the root group here (this container's layout),
 * where every process is read every tick. Every child is ended by PID in `finally`.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe, type ServeProcess } from '../e2e/serve-process';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';
import { statusFields } from '../support/proc-status';

const EXTRA_PROCESSES = 2000;

interface Reading {
  minutesAfterWindow: number;
  loadAvg: string;
  /** RSS, anonymous and file-backed MiB per build. */
  rss: Record<string, { rssMiB: number; anonMiB: number; fileMiB: number }>;
}

function memoryOf(pid: number): { rssMiB: number; anonMiB: number; fileMiB: number } {
  const kib = statusFields(pid, ['VmRSS', 'RssAnon', 'RssFile']);
  const mib = (value: number) => Math.round((value / 1024) * 10) / 10;
  return { rssMiB: mib(kib.VmRSS), anonMiB: mib(kib.RssAnon), fileMiB: mib(kib.RssFile) };
}

const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run the benchmark; returns its readings (also printed as a table). */
export async function benchWindowFootprint(): Promise<{ windowAfterS: number; headless: Reading; readings: Reading[] }> {
  const windowAfterS = Number(process.env.HR_BENCH_WINDOW_AFTER_S ?? 150);
  const minutes = Number(process.env.HR_BENCH_MINUTES ?? 10);
  if (!(windowAfterS >= 0) || !Number.isInteger(minutes) || minutes < 1) throw new Error('HR_BENCH_WINDOW_AFTER_S must be ≥ 0 and HR_BENCH_MINUTES a whole number ≥ 1');
  const builds: [string, string | undefined][] = [['this build', undefined]];
  if (process.env.HR_BENCH_BASELINE_DIR) builds.push([`baseline (${process.env.HR_BENCH_BASELINE_DIR})`, process.env.HR_BENCH_BASELINE_DIR]);
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  const serves: ServeProcess[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    await startIdleChildren(EXTRA_PROCESSES, children, windowAfterS + minutes * 60 + 300);
    // The default interval, spelled out: parsed like any settings file, changing nothing measured.
    const settings = process.env.HR_BENCH_SETTINGS_FILE === '1' ? { intervalMs: 1000 } : undefined;
    for (const [, root] of builds) serves.push(await startServe([], { root, settings }));
    const read = (minutesAfterWindow: number): Reading => ({
      minutesAfterWindow,
      loadAvg: loadAvg(),
      rss: Object.fromEntries(builds.map(([name], i) => [name, memoryOf(serves[i]!.child.pid!)])),
    });
    await sleep(windowAfterS * 1000);
    const headless = read(0);
    for (const serve of serves) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(serve.url);
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 30_000 });
    }
    const readings: Reading[] = [];
    for (let minute = 1; minute <= minutes; minute++) {
      await sleep(60_000);
      readings.push(read(minute));
    }
    const cell = (r: Reading, name: string) => `${r.rss[name]!.rssMiB} (${r.rss[name]!.anonMiB}, ${r.rss[name]!.fileMiB})`;
    process.stdout.write(`\n${EXTRA_PROCESSES} extra idle processes; window opened ${windowAfterS} s after start${settings ? '; a settings file' : ''}; RSS MiB (anonymous, file)\n`);
    process.stdout.write(`| minutes after the window | load | ${builds.map(([n]) => n).join(' | ')} |\n|---|---|${builds.map(() => '---|').join('')}\n`);
    process.stdout.write(`| headless, just before | ${headless.loadAvg} | ${builds.map(([n]) => cell(headless, n)).join(' | ')} |\n`);
    for (const r of readings) process.stdout.write(`| ${r.minutesAfterWindow} | ${r.loadAvg} | ${builds.map(([n]) => cell(r, n)).join(' | ')} |\n`);
    return { windowAfterS, headless, readings };
  } finally {
    await browser.close().catch(() => {});
    for (const serve of serves) await serve.stop(2000);
    await killChildren(children);
    unguard();
  }
}
