/**
 * Soak (a benchmark, not CI): the real `headroom serve` (its own process, real sampler at 1 Hz) with
 * 2,000 extra idle processes and one connected Chromium window, for HR_SOAK_MINUTES (default 60).
 * Every minute it records the serve process's RSS, open fds and threads (from /proc/<pid>), and the
 * page's JS heap (CDP Runtime.getHeapUsage, before and after a forced GC: the after-GC value is what
 * is retained, so it is the one judged). The verdict: growth between minute 10 and the end must stay
 * within 5 MiB for the serve RSS and the page's retained heap, and fds/threads must not grow.
 *
 * Honest notes: Chromium is driven by Playwright (which enables DevTools network events on the page:
 * more CPU per snapshot, as ui.ts explains, but nothing the page itself keeps). Other engineers'
 * drills and builds share the two cores, so the process table and the load vary during the hour;
 * the load average is printed in every row. The table and the verdict are printed and written to
 * test/artifacts/soak.json (docs/BENCHMARKS.md records them).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServe } from '../e2e/serve-process';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';
import { statusFields } from '../support/proc-status';

const MiB = 1024 * 1024;
const EXTRA_PROCESSES = 2000;

interface Row {
  minute: number;
  loadAvg: string;
  tableRows: number | null;
  serveRssMiB: number;
  serveFds: number;
  serveThreads: number;
  pageHeapUsedMiB: number;
  pageHeapAfterGcMiB: number;
  connected: boolean;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run the soak; returns the rows and the verdict for run.ts. */
export async function benchSoak(): Promise<unknown> {
  const minutes = Number(process.env.HR_SOAK_MINUTES ?? 60);
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error('HR_SOAK_MINUTES must be a whole number of minutes ≥ 1');
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  const serve = await startServe();
  const artifacts = join(__dirname, '..', 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const rows: Row[] = [];
  try {
    await startIdleChildren(EXTRA_PROCESSES, children, minutes * 60 + 600);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cdp = await page.context().newCDPSession(page);
    await page.goto(serve.url);
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 30_000 });
    const started = Date.now();
    for (let minute = 0; minute <= minutes; minute++) {
      const due = started + minute * 60_000;
      if (Date.now() < due) await sleep(due - Date.now());
      const used = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      await cdp.send('HeapProfiler.collectGarbage');
      const afterGc = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      const connected = (await page.locator('.hr-connection').textContent()) === 'Connected';
      const rowsText = await page.locator('[role="treegrid"]').getAttribute('aria-rowcount').catch(() => null);
      const status = statusFields(serve.child.pid!, ['VmRSS', 'Threads']);
      const row: Row = {
        minute,
        loadAvg: loadavg(),
        tableRows: rowsText === null ? null : Number(rowsText),
        serveRssMiB: round2((status.VmRSS * 1024) / MiB),
        serveFds: readdirSync(`/proc/${serve.child.pid}/fd`).length,
        serveThreads: status.Threads,
        pageHeapUsedMiB: round2(used / MiB),
        pageHeapAfterGcMiB: round2(afterGc / MiB),
        connected,
      };
      rows.push(row);
      process.stdout.write(`soak ${JSON.stringify(row)}\n`);
      writeFileSync(join(artifacts, 'soak.json'), JSON.stringify({ minutes, extraProcesses: EXTRA_PROCESSES, rows }, null, 2));
    }
  } finally {
    await browser.close();
    await serve.stop();
    await killChildren(children);
    unguard();
  }
  const verdict = judge(rows);
  writeFileSync(join(artifacts, 'soak.json'), JSON.stringify({ minutes, extraProcesses: EXTRA_PROCESSES, rows, verdict }, null, 2));
  process.stdout.write(`soak verdict: ${JSON.stringify(verdict)}\n`);
  return { verdict, rows: rows.length };
}

/** Growth from minute 10 (or the first row of a shorter run) to the end, against the 5 MiB limit. */
export function judge(rows: Row[]): Record<string, unknown> {
  const from = rows.find((r) => r.minute === 10) ?? rows[0]!;
  const to = rows.at(-1)!;
  const rssGrowth = round2(to.serveRssMiB - from.serveRssMiB);
  const heapGrowth = round2(to.pageHeapAfterGcMiB - from.pageHeapAfterGcMiB);
  return {
    fromMinute: from.minute,
    toMinute: to.minute,
    serveRssGrowthMiB: rssGrowth,
    pageHeapGrowthMiB: heapGrowth,
    serveRssMaxMiB: Math.max(...rows.map((r) => r.serveRssMiB)),
    fdsGrowth: to.serveFds - from.serveFds,
    threadsGrowth: to.serveThreads - from.serveThreads,
    alwaysConnected: rows.every((r) => r.connected),
    pass: rssGrowth <= 5 && heapGrowth <= 5 && to.serveFds <= from.serveFds + 5 && to.serveThreads <= from.serveThreads + 5 && rows.every((r) => r.connected),
  };
}
