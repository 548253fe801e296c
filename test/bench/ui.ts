/**
 * Window benchmark: the production renderer in Debian's Chromium against browser mode, with 2,000
 * extra processes (real `sleep` children) and 10 minutes of history at 1 Hz. Measures the
 * main-thread time of each update (the renderer's `hr:update` performance measures) and long tasks
 * (PerformanceObserver 'longtask') while idle and while scrolling the table.
 *
 * Honest notes: the 600 history points are real samples of this machine taken back to back (about
 * as fast as the sampler goes), restamped 1 s apart so the window holds 10 minutes; the server runs
 * in this process (so the history can be prefilled); the baseline is the same page with only the
 * machine's own processes, measured in the same run.
 *
 * Chromium is driven over a bare DevTools connection (Page, Runtime, Input, Emulation, Performance
 * only), not through Playwright: Playwright enables the Network domain on every page, and with it
 * Chromium copies every WebSocket frame into a DevTools event on the page's main thread — about
 * 16 ms per 560 KB snapshot here, twice the target, a cost no user's window pays.
 * HR_BENCH_RENDERER_DIR measures another renderer build (e.g. an older one) against the same server.
 *
 * Before/after in one run: HR_BENCH_BASELINE_DIR=<a built checkout of the commit to compare with>
 * runs that build's own server, service and window ("before") next to this checkout's ("after"),
 * interleaved per process count. Run it in its own PID namespace so the process table is ours alone
 * (other people's processes on a shared machine would otherwise join the table):
 *   git worktree add --detach /tmp/hr-baseline <sha> && ln -s "$PWD/node_modules" /tmp/hr-baseline/
 *   (cd /tmp/hr-baseline && npm run build)
 *   npm run build && HR_BENCH_BASELINE_DIR=/tmp/hr-baseline unshare --pid --fork --mount-proc npx tsx test/bench/run.ts ui
 * HR_BENCH_PROFILE_DIR=<dir> also writes a CPU profile of each idle phase there.
 * HR_BENCH_UI_ROUNDS=<n> measures the small case n times, alternating builds (and which goes first); HR_BENCH_UI_SMALL_ONLY=1
 * skips the 2,000-process case (quicker A/B runs).
 * The floor (ui-floor.ts) runs after the ~20-process case: pages in the same Chromium that receive this
 * build's frames and do nothing, or change one text node a tick (HR_BENCH_UI_NO_FLOOR=1 skips it).
 * Each build is also measured with a reap marker in view: a sleeper of the bench's own reaped through
 * the service just before (HR_BENCH_UI_NO_MARKER=1 skips it).
 * HR_BENCH_TRACE_DIR=<dir> adds a traced idle phase after each measured one (10 s, not part of the
 * measured figures: tracing costs main-thread time) and prints where the main thread's time per
 * update goes — script, style, layout, paint, GC, other (ui-trace.ts) — writing the traces there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as history from '../../contract/history';
import type { HistoryPoint } from '../../contract/history';
import * as sampler from '../../main/sampler';
import * as browserServer from '../../main/server/browser-server';
import * as headroomService from '../../main/service/headroom-service';
import * as memorySettings from '../../main/service/memory-settings-store';
import type { SamplerLoopLike } from '../../main/service/types';
import type { ReapRequest } from '../../contract/reap';
import { readStat } from '../../native/proc';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/serve-process';
import { connectPage } from './devtools';
import { measureFloor, type FloorResult } from './ui-floor';
import { traceBreakdown, type TraceBreakdown } from './ui-trace';

/**
 * One Headroom build as the benchmark runs it: its sampler, service, browser-mode server and
 * renderer. "after" is this checkout; "before" (HR_BENCH_BASELINE_DIR, a built checkout of the
 * commit to compare with) is loaded from that checkout's dist/, server and all, because the window
 * and the server must speak the same protocol (an old window does not understand deltas).
 */
interface Stack {
  label: string;
  historyPointOf: typeof history.historyPointOf;
  createSampler: typeof sampler.createSampler;
  SamplerLoop: typeof sampler.SamplerLoop;
  startBrowserServer: typeof browserServer.startBrowserServer;
  createHeadroomService: typeof headroomService.createHeadroomService;
  historyLengthFor: typeof headroomService.historyLengthFor;
  createMemorySettingsStore: typeof memorySettings.createMemorySettingsStore;
  rendererDir: string;
}

function thisStack(rendererDir: string): Stack {
  return { label: 'after', ...history, ...sampler, ...browserServer, ...headroomService, ...memorySettings, rendererDir };
}

function baselineStack(dir: string): Stack {
  const load = (path: string) => require(join(dir, 'dist', path)) as Record<string, unknown>;
  return {
    label: 'before',
    ...(load('contract/history.js') as unknown as typeof history),
    ...(load('main/sampler/index.js') as unknown as typeof sampler),
    ...(load('main/server/browser-server.js') as unknown as typeof browserServer),
    ...(load('main/service/headroom-service.js') as unknown as typeof headroomService),
    ...(load('main/service/memory-settings-store.js') as unknown as typeof memorySettings),
    rendererDir: join(dir, 'dist', 'renderer'),
  };
}

const EXTRA_PROCESSES = 2000;
const HISTORY_POINTS = 600;

interface Stats {
  updates: number;
  /**
   * Main-thread busy time per update from Chromium's own counters (CDP Performance.getMetrics:
   * TaskDuration, and its script / layout / style parts) over the phase, divided by the updates.
   * Unlike hr:update it counts everything an update costs (parsing the message, GC) and no idle wait.
   */
  mainThreadMsPerUpdate: number | null;
  scriptMsPerUpdate: number | null;
  layoutAndStyleMsPerUpdate: number | null;
  medianMs: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  longTasks: number;
  longTaskMaxMs: number | null;
  /** CPU time per update of the renderer's main thread / of the whole renderer process (schedstat; no waiting). */
  mainThreadCpuMsPerUpdate: number | null;
  rendererCpuMsPerUpdate: number | null;
  /** The page's JS heap at the end of the phase (used / total), MiB. */
  jsHeapUsedMiB: number | null;
  jsHeapTotalMiB: number | null;
}

const MARKER_CASE = "this machine's own processes, a reap marker in view";

/**
 * Reap a `sleep` of ours through the service (as a window's Reap does) and wait for its marker on
 * the page, then for its recovery to be measured (the marker stops changing).
 */
async function reapOneSleeper(service: { handlers: { reap(r: ReapRequest): unknown } }, tab: Tab): Promise<void> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', argv0: 'headroom-test-hog' });
  child.on('error', () => {});
  try {
    const pid = child.pid!;
    await sleep(300);
    const stat = readStat(pid);
    if (!stat) throw new Error(`the sleeper ${pid} is gone before its reap`);
    const reply = (await service.handlers.reap({ targets: [{ pid, startTime: stat.startTime }], mode: 'kill', force: false })) as { results: { ok: boolean }[] };
    if (!reply.results[0]?.ok) throw new Error(`the bench's reap was refused: ${JSON.stringify(reply)}`);
    await waitFor(tab, `document.querySelector('[data-testid="reap-marker"]')`, 10_000);
    await sleep(3000);
  } finally {
    try {
      child.kill('SIGKILL');
    } catch {
      // reaped already
    }
  }
}

/** Start `count` real `sleep` processes; returns their PIDs (killed by PID by the caller). */
async function spawnSleeps(count: number): Promise<number[]> {
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn('sleep', ['900'], { stdio: 'ignore' });
    child.on('error', () => {});
    if (child.pid !== undefined) pids.push(child.pid);
    // Yield now and then so the spawns do not monopolise the event loop.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  return pids;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** 600 real samples taken back to back, restamped 1 s apart ending now. */
function prefillHistory(stack: Stack, points: number): HistoryPoint[] {
  const s = stack.createSampler();
  const taken: HistoryPoint[] = [];
  try {
    for (let i = 0; i < points; i++) taken.push(stack.historyPointOf(s.sample()));
  } finally {
    s.close();
  }
  const now = Date.now();
  return taken.map((p, i) => ({ ...p, t: now - (points - i) * 1000 }));
}

/** The real loop, whose history() starts with the prefilled points. */
function loopWithPrefill(loop: InstanceType<typeof sampler.SamplerLoop>, prefill: HistoryPoint[], keep: number): SamplerLoopLike {
  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    setIntervalMs: (ms) => loop.setIntervalMs(ms),
    setHistoryLength: (n) => loop.setHistoryLength(n),
    latest: () => loop.latest(),
    history: () => [...prefill, ...loop.history()].slice(-keep),
    onSnapshot: (listener) => loop.onSnapshot(listener),
    medianSampleMs: () => loop.medianSampleMs(),
  };
}

/**
 * One build's service and browser-mode server, the history prefilled with `prefillPoints` real
 * samples, and a flight recorder of its own (an empty XDG_STATE_HOME for this case, removed on
 * close). With the person's store, reaps recorded in the last minutes (another benchmark's, e.g.
 * `click`) show as markers in the window and roughly double its cost per update (measured:
 * 9.05–10.24 ms against 5.74 ms with an empty store, docs/BENCHMARKS.md "Window, fourth pass").
 */
async function serveStack(stack: Stack, prefillPoints: number) {
  const stateHome = mkdtempSync(join(tmpdir(), 'headroom-bench-ui-state-'));
  const previousStateHome = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = stateHome;
  const settings = stack.createMemorySettingsStore();
  const keep = stack.historyLengthFor(settings.get().settings);
  const prefillStart = Date.now();
  const prefill = prefillPoints > 0 ? prefillHistory(stack, prefillPoints) : [];
  const prefillMs = Date.now() - prefillStart;
  const loop = new stack.SamplerLoop({ intervalMs: 1000, historyLength: keep });
  const service = stack.createHeadroomService({ shell: 'browser', settings, loop: loopWithPrefill(loop, prefill, keep) });
  service.start();
  const server = await stack.startBrowserServer({ service, port: 0, rendererDir: stack.rendererDir, log: () => {} });
  const close = async () => {
    await server.close();
    await service.close();
    if (previousStateHome === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = previousStateHome;
    rmSync(stateHome, { recursive: true, force: true });
  };
  return { service, server, prefillMs, close };
}

/** Collects every hr:update measure and long task from the first script on. */
const OBSERVE = `
  window.__bench = { updates: [], longTasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'hr:update') window.__bench.updates.push([e.startTime, e.duration]);
  }).observe({ type: 'measure', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
`;

/** One page of a Chromium started for the benchmark, driven by a bare DevTools connection. */
export interface Tab {
  send(method: string, params?: object): Promise<Record<string, unknown>>;
  evaluate<T>(expression: string): Promise<T>;
  /** CPU time (ms, from schedstat) of the page's renderer process: its main thread, and all its threads. */
  rendererCpuMs(): { mainThread: number; process: number } | null;
  /** Listen to DevTools events (method, params); returns the unsubscribe function. */
  onEvent(listener: (method: string, params: Record<string, unknown>) => void): () => void;
  close(): Promise<void>;
}

/** PIDs of every descendant of `root` (from /proc/PID/stat's ppid). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** Nanoseconds on a CPU of one thread (first field of schedstat): not inflated by waiting for a CPU. */
function runNs(path: string): number {
  return Number(readFileSync(path, 'utf8').split(' ')[0]);
}

/**
 * The CPU time of Chromium's renderer process for the page (`--type=renderer`, not an extension's).
 * On a loaded machine wall-clock task durations include time spent waiting for a CPU; this does not.
 */
function rendererCpu(chromePid: number): { mainThread: number; process: number } | null {
  const renderers = descendants(chromePid).filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes('--type=renderer') && !cmd.includes('--extension-process');
    } catch {
      return false;
    }
  });
  if (renderers.length === 0) return null;
  let mainThread = 0;
  let all = 0;
  for (const pid of renderers) {
    try {
      mainThread += runNs(`/proc/${pid}/task/${pid}/schedstat`);
      for (const tid of readdirSync(`/proc/${pid}/task`)) all += runNs(`/proc/${pid}/task/${tid}/schedstat`);
    } catch {
      // gone
    }
  }
  return { mainThread: mainThread / 1e6, process: all / 1e6 };
}

/** Start Chromium (own temporary profile, 1280×800) and attach to its page. */
export async function openTab(): Promise<Tab> {
  const profile = mkdtempSync(join(tmpdir(), 'headroom-bench-chromium-'));
  const chrome: ChildProcess = spawn(
    CHROMIUM_PATH,
    [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--window-size=1280,800', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    if (chrome.exitCode !== null || chrome.signalCode !== null) resolve();
    else chrome.once('exit', () => resolve());
  });
  // Stopped by its PID (SIGTERM lets it end its own helper processes, SIGKILL if it lingers); the
  // profile is removed once nothing writes there any more.
  const stop = async () => {
    if (chrome.exitCode === null && chrome.signalCode === null) {
      chrome.kill('SIGTERM');
      const timer = setTimeout(() => chrome.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      process.stderr.write(`bench: could not remove ${profile}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  };
  try {
    const { socket, send, evaluate } = await connectPage(chrome);
    await send('Page.enable');
    await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
    await send('Page.addScriptToEvaluateOnNewDocument', { source: OBSERVE });
    await send('Performance.enable');
    return {
      send,
      evaluate,
      rendererCpuMs: () => (chrome.pid === undefined ? null : rendererCpu(chrome.pid)),
      onEvent: (listener) => {
        const onMessage = (raw: unknown) => {
          const m = JSON.parse(String(raw)) as { method?: string; params?: Record<string, unknown> };
          if (m.method) listener(m.method, m.params ?? {});
        };
        socket.on('message', onMessage);
        return () => socket.off('message', onMessage);
      },
      close: async () => {
        socket.close();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `expression` is true in the page. */
export async function waitFor(tab: Tab, expression: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await tab.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
    await sleep(100);
  }
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

type Counters = Record<string, number>;

/** Chromium's cumulative main-thread counters for the page, in ms. */
async function counters(tab: Tab): Promise<Counters> {
  const { metrics } = (await tab.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const wanted = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'];
  const out = Object.fromEntries(metrics.filter((m) => wanted.includes(m.name)).map((m) => [m.name, m.value * 1000]));
  // Bytes, not seconds.
  for (const m of metrics) if (m.name === 'JSHeapUsedSize' || m.name === 'JSHeapTotalSize') out[m.name] = m.value;
  const cpu = tab.rendererCpuMs();
  if (cpu) {
    out.CpuMainThread = cpu.mainThread;
    out.CpuProcess = cpu.process;
  }
  return out;
}

/** Stats for the entries between two performance.now() marks of the page. */
async function statsBetween(tab: Tab, from: number, to: number, before: Counters, after: Counters): Promise<Stats> {
  const data = await tab.evaluate<{ updates: [number, number][]; longTasks: [number, number][] }>('window.__bench');
  const inside = (e: [number, number]) => e[0] >= from && e[0] < to;
  const updates = data.updates.filter(inside).map((e) => e[1]).sort((a, b) => a - b);
  const longTasks = data.longTasks.filter(inside).map((e) => e[1]);
  const per = (key: string[]) =>
    updates.length === 0 ? null : round(key.reduce((sum, k) => sum + (after[k]! - before[k]!), 0) / updates.length);
  return {
    updates: updates.length,
    mainThreadMsPerUpdate: per(['TaskDuration']),
    scriptMsPerUpdate: per(['ScriptDuration']),
    layoutAndStyleMsPerUpdate: per(['LayoutDuration', 'RecalcStyleDuration']),
    medianMs: round(percentile(updates, 0.5)),
    p95Ms: round(percentile(updates, 0.95)),
    maxMs: round(updates.at(-1) ?? null),
    longTasks: longTasks.length,
    longTaskMaxMs: round(longTasks.length > 0 ? Math.max(...longTasks) : null),
    mainThreadCpuMsPerUpdate: before.CpuMainThread === undefined || after.CpuMainThread === undefined ? null : per(['CpuMainThread']),
    rendererCpuMsPerUpdate: before.CpuProcess === undefined || after.CpuProcess === undefined ? null : per(['CpuProcess']),
    jsHeapUsedMiB: after.JSHeapUsedSize === undefined ? null : round(after.JSHeapUsedSize / 2 ** 20),
    jsHeapTotalMiB: after.JSHeapTotalSize === undefined ? null : round(after.JSHeapTotalSize / 2 ** 20),
  };
}

const now = (tab: Tab) => tab.evaluate<number>('performance.now()');

/** Wait `ms` of page time and return the stats of that window; with `profileTo`, a CPU profile of it too. */
async function idle(tab: Tab, ms: number, profileTo?: string): Promise<Stats> {
  if (profileTo) {
    await tab.send('Profiler.enable');
    await tab.send('Profiler.setSamplingInterval', { interval: 200 });
    await tab.send('Profiler.start');
  }
  const before = await counters(tab);
  const from = await now(tab);
  await sleep(ms);
  const to = await now(tab);
  const stats = await statsBetween(tab, from, to, before, await counters(tab));
  if (profileTo) {
    const { profile } = await tab.send('Profiler.stop');
    writeFileSync(profileTo, JSON.stringify(profile));
  }
  return stats;
}

/** Scroll the table with real wheel events for `ms`, down then up, and return the stats of that window. */
async function scrolling(tab: Tab, ms: number): Promise<Stats> {
  const [x, y] = await tab.evaluate<[number, number]>(
    `(() => { const b = document.querySelector('[role="treegrid"]').getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; })()`,
  );
  await tab.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
  const before = await counters(tab);
  const from = await now(tab);
  const end = Date.now() + ms;
  let direction = 1;
  let steps = 0;
  while (Date.now() < end) {
    await tab.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x, y, deltaX: 0, deltaY: direction * 200 });
    await sleep(16);
    if (++steps % 150 === 0) direction = -direction;
  }
  const to = await now(tab);
  return statsBetween(tab, from, to, before, await counters(tab));
}

/** The machine's CPU time so far (/proc/stat, in ticks): all of it, and the part stolen by the hypervisor. */
function cpuTicks(): { total: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}

/** Run the benchmark and print the numbers; returns them for run.ts. */
export async function benchUi(): Promise<unknown> {
  const repoRoot = join(__dirname, '..', '..');
  let pids: number[] = [];
  // Also on an interrupted run: the sleeps are killed by PID when this process exits.
  const killOnExit = () => killAll(pids);
  process.once('exit', killOnExit);
  const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const stacks: Stack[] = [];
  if (process.env.HR_BENCH_BASELINE_DIR) stacks.push(baselineStack(process.env.HR_BENCH_BASELINE_DIR));
  stacks.push(thisStack(process.env.HR_BENCH_RENDERER_DIR ?? join(repoRoot, 'dist', 'renderer')));
  const profileDir = process.env.HR_BENCH_PROFILE_DIR;
  const traceDir = process.env.HR_BENCH_TRACE_DIR;
  const ticksAtStart = cpuTicks();
  const results: Record<string, unknown> = { loadAvgAtStart: loadavg(), stacks: stacks.map((s) => `${s.label}: ${s.rendererDir}`) };
  if (stacks.length === 1) process.stdout.write('note: no HR_BENCH_BASELINE_DIR, so no "before" build in this run\n');
  try {
    const runCase = async (stack: Stack, label: string, withScroll: boolean, withMarker = false) => {
      const { service, server, prefillMs, close } = await serveStack(stack, HISTORY_POINTS);
      const tab = await openTab();
      const profile = (phase: string) => (profileDir ? join(profileDir, `${stack.label}-${label}-${phase}.cpuprofile`.replace(/[^\w.-]+/g, '_')) : undefined);
      try {
        await tab.send('Page.navigate', { url: server.url });
        await waitFor(tab, `document.querySelector('[role="treegrid"]')`, 20_000);
        await sleep(3000); // let the first load settle
        if (withMarker) await reapOneSleeper(service, tab);
        const snapshot = service.handlers.getSnapshot({}) as { processes: unknown[] } | null;
        const entry: Record<string, unknown> = {
          processes: snapshot?.processes.length ?? null,
          loadAvg: loadavg(),
          historyPoints: (await service.handlers.getHistory({})).points.length,
          prefillMs,
          idle: await idle(tab, 15_000, profile('idle')),
        };
        const traceFile = (phase: string) => join(traceDir!, `${stack.label}-${label}-${phase}.trace.json`.replace(/[^\w.-]+/g, '_'));
        if (traceDir) entry.idleTrace = await traceBreakdown(tab, 10_000, traceFile('idle'));
        if (withScroll) {
          // Show the 2,000 sleeps as rows: the filter opens their app with only the matching processes.
          await tab.evaluate(`document.querySelector('input[type="search"]').focus()`);
          await tab.send('Input.insertText', { text: 'sleep 900' });
          await sleep(2000);
          entry.rowsShown = await tab.evaluate<string | null>(`document.querySelector('[role="treegrid"]').getAttribute('aria-rowcount')`);
          entry.idleFiltered = await idle(tab, 15_000, profile('rows'));
          if (traceDir) entry.idleFilteredTrace = await traceBreakdown(tab, 10_000, traceFile('rows'));
          entry.scrolling = await scrolling(tab, 15_000);
        }
        entry.loadAvgAfter = loadavg();
        results[`${stack.label} / ${label}`] = entry;
        process.stdout.write(`${stack.label} / ${label}: ${JSON.stringify(entry)}\n`);
      } finally {
        await tab.close();
        await close();
      }
    };

    const own = "this machine's own processes";
    const many = `with ${EXTRA_PROCESSES} extra processes`;
    // Interleaved per process count, so "before" and "after" see the same table and nearly the same load.
    // HR_BENCH_UI_ROUNDS=n repeats the small case n times, alternating builds (a quicker A/B on a
    // loaded machine); HR_BENCH_UI_SMALL_ONLY=1 skips the 2,000-process case.
    const rounds = Math.max(1, Number(process.env.HR_BENCH_UI_ROUNDS ?? 1));
    // The order alternates per round: the second page of a round sees the first one's leftovers
    // (Chromium's exited helpers stay in the table until reaped), so neither build always goes second.
    for (let r = 0; r < rounds; r++) {
      for (const stack of r % 2 === 0 ? stacks : [...stacks].reverse()) await runCase(stack, rounds > 1 ? `${own} #${r + 1}` : own, false);
    }
    // A reap marker in view (10 minutes after a reap the window still shows it): a real reap of a
    // sleeper of ours; HR_BENCH_UI_NO_MARKER=1 skips it.
    if (!process.env.HR_BENCH_UI_NO_MARKER) {
      for (const stack of [...stacks].reverse()) await runCase(stack, MARKER_CASE, false, true);
    }
    // The floor (ui-floor.ts): the same Chromium and this build's server, pages that only receive the
    // same frames; HR_BENCH_UI_NO_FLOOR=1 skips it.
    let floor: FloorResult[] | null = null;
    if (!process.env.HR_BENCH_UI_NO_FLOOR) {
      const { server, close } = await serveStack(stacks[stacks.length - 1]!, 0);
      try {
        floor = await measureFloor(server.url, openTab, 15_000);
        results.floor = { loadAvg: loadavg(), cases: floor };
        process.stdout.write(`floor (${own}): ${JSON.stringify(floor)}\n`);
      } finally {
        await close();
      }
    }
    if (!process.env.HR_BENCH_UI_SMALL_ONLY) {
      pids = await spawnSleeps(EXTRA_PROCESSES);
      for (const stack of stacks) await runCase(stack, many, true);
    }

    type Entry = { processes: number; idle: Stats; idleFiltered?: Stats; scrolling?: Stats; idleTrace?: TraceBreakdown; idleFilteredTrace?: TraceBreakdown };
    const get = (stack: Stack, label: string) => results[`${stack.label} / ${label}`] as Entry | undefined;
    const lines: string[] = [];
    const ownLabels = [...(rounds > 1 ? Array.from({ length: rounds }, (_, r) => `${own} #${r + 1}`) : [own]), ...(process.env.HR_BENCH_UI_NO_MARKER ? [] : [MARKER_CASE])];
    for (const stack of stacks) {
      for (const [label, phase] of [...ownLabels.map((l) => [l, 'idle'] as const), [many, 'idle'], [many, 'idleFiltered'], [many, 'scrolling']] as const) {
        const e = get(stack, label);
        if (!e) continue;
        const st = e[phase];
        if (!st) continue;
        lines.push(
          `${stack.label.padEnd(6)} ${String(e.processes).padStart(5)} procs ${phase.padEnd(12)} main thread/update ${st.mainThreadMsPerUpdate ?? '—'} ms (script ${st.scriptMsPerUpdate ?? '—'}), main-thread CPU ${st.mainThreadCpuMsPerUpdate ?? '—'} ms, renderer CPU ${st.rendererCpuMsPerUpdate ?? '—'} ms, hr:update median ${st.medianMs} p95 ${st.p95Ms} ms, long tasks ${st.longTasks}${st.longTaskMaxMs ? ` (max ${st.longTaskMaxMs} ms)` : ''}, JS heap ${st.jsHeapUsedMiB} MiB`,
        );
        const traced = phase === 'idle' ? e.idleTrace : phase === 'idleFiltered' ? e.idleFilteredTrace : undefined;
        if (traced) {
          const t = traced.perUpdateMs;
          lines.push(
            `       traced (${traced.updates} updates), per update: script ${t.script}, style ${t.style}, layout ${t.layout}, paint ${t.paint}, GC ${t.gc}, other ${t.other}, total ${t.total} ms; top: ${traced.topSelfMs.slice(0, 8).map(([n, v]) => `${n} ${v}`).join(', ')}`,
          );
        }
      }
    }
    if (stacks.length === 2) {
      const [before, after] = stacks as [Stack, Stack];
      for (const [label, phase] of [...ownLabels.map((l) => [l, 'idle'] as const), [many, 'idle'], [many, 'idleFiltered']] as const) {
        for (const measure of ['mainThreadMsPerUpdate', 'mainThreadCpuMsPerUpdate'] as const) {
          const b = get(before, label)?.[phase]?.[measure];
          const a = get(after, label)?.[phase]?.[measure];
          if (b && a) {
            results[`ratio ${measure} ${label} ${phase}`] = round(a / b);
            lines.push(`ratio after/before, ${measure}, ${label}, ${phase}: ${round(a / b)}× (${a} / ${b} ms)`);
          }
        }
      }
    }
    for (const f of floor ?? []) {
      lines.push(`floor  ${f.case.padEnd(15)} (same Chromium, same frames, ${f.updates} updates) main-thread CPU ${f.mainThreadCpuMsPerUpdate ?? '\u2014'} ms per update, renderer CPU ${f.rendererCpuMsPerUpdate ?? '\u2014'} ms`);
    }
    const ticks = cpuTicks();
    // A virtual machine's CPUs can be taken by the host: time stolen slows every figure above alike.
    const stealPct = ticks.total > ticksAtStart.total ? round((100 * (ticks.steal - ticksAtStart.steal)) / (ticks.total - ticksAtStart.total)) : null;
    results.stealPct = stealPct;
    lines.push(`load average at start ${results.loadAvgAtStart}, at end ${loadavg()}; CPU time stolen by the host during the run ${stealPct ?? '\u2014'} %`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    killAll(pids);
    process.off('exit', killOnExit);
  }
  return results;
}
