// WorkerSamplerLoop on the real sampler in a real worker thread: it ticks like SamplerLoop, keeps
// bounded history, survives its worker dying, lets the process exit once stopped, and keeps the
// host's event loop free while the cold first tick runs (against SamplerLoop, which blocks it).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { historyPointOf, HistoryPointSchema } from '../../contract/history';
import { SnapshotSchema, type Snapshot } from '../../contract/snapshot';
import { SamplerLoop, WorkerSamplerLoop } from '../../main/sampler';
import { startHog, stopAllHogs } from '../support/hogs';
import { killChildren, startIdleChildren } from '../support/idle-children';

const MiB = 1024 * 1024;
const loops: Array<{ stop(): void }> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function loop(options: ConstructorParameters<typeof WorkerSamplerLoop>[0]): WorkerSamplerLoop {
  const l = new WorkerSamplerLoop(options);
  loops.push(l);
  return l;
}

/** Resolve with the first snapshot that passes `test`, or reject after `ms`. */
function nextSnapshot(l: { onSnapshot(listener: (s: Snapshot) => void): () => void }, test: (s: Snapshot) => boolean, ms: number): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching snapshot within ${ms} ms`));
    }, ms);
    const off = l.onSnapshot((s) => {
      if (!test(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** Children started by this file (idle `sleep`s, the exit-test processes), killed by PID. */
const children: ChildProcess[] = [];
afterAll(() => killChildren(children));

afterEach(async () => {
  for (const l of loops.splice(0)) l.stop();
  await stopAllHogs();
});

describe('WorkerSamplerLoop', () => {
  it('ticks on its worker, keeps the latest snapshot and a history of graph points, and stops', async () => {
    const l = loop({ intervalMs: 250 });
    const seen: Snapshot[] = [];
    l.onSnapshot((s) => seen.push(s));
    expect(l.latest()).toBeNull();
    expect(l.medianSampleMs()).toBeNull();
    l.start();
    l.start(); // a second start does nothing (a second worker would double the ticks and repeat seqs)
    await nextSnapshot(l, () => true, 10_000);
    await sleep(1100);
    // ~5 ticks in 1.1 s at 250 ms after the first; a loaded machine may give fewer, never a pile-up.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(7);
    expect(seen.map((s) => s.seq)).toEqual(seen.map((_, i) => i));
    expect(l.latest()).toBe(seen.at(-1));
    for (const s of seen) SnapshotSchema.parse(s);
    expect(l.latest()!.intervalMs).toBe(250);
    // The test process itself is in the table the worker read.
    expect(l.latest()!.processes.some((p) => p.pid === process.pid)).toBe(true);
    const history = l.history();
    expect(history).toHaveLength(seen.length);
    for (const p of history) HistoryPointSchema.parse(p);
    expect(history.map((p) => p.t)).toEqual(seen.map((s) => s.time));
    expect(l.medianSampleMs()).toBeGreaterThan(0);
    expect(l.errors().count).toBe(0);
    l.stop();
    const count = seen.length;
    await sleep(700);
    expect(seen.length).toBe(count);
    // Resumed after a pause: a new worker with a cold sampler, but seq goes on from where it stopped.
    l.start();
    const resumed = await nextSnapshot(l, () => true, 10_000);
    expect(resumed.seq).toBe(count);
    expect(resumed.memory.rates.majorFaultsPerSec).toBeNull();
    expect(l.errors().count).toBe(0);
  });

  it('applies a new interval from the last tick on, and validates its settings', async () => {
    const l = loop({ intervalMs: 10_000 });
    const seen: Snapshot[] = [];
    l.onSnapshot((s) => seen.push(s));
    l.start();
    await nextSnapshot(l, () => true, 10_000);
    await sleep(300);
    expect(seen).toHaveLength(1);
    l.setIntervalMs(250);
    expect(l.getIntervalMs()).toBe(250);
    await sleep(1000);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)!.intervalMs).toBe(250);
    l.setIntervalMs(10_000);
    const at = seen.length;
    await sleep(1000);
    // At most the one tick that may have been in flight when the pace changed.
    expect(seen.length).toBeLessThanOrEqual(at + 1);
    expect(() => l.setIntervalMs(100)).toThrow(RangeError);
    expect(() => l.setIntervalMs(20_000)).toThrow(RangeError);
    expect(() => l.setHistoryLength(0)).toThrow(RangeError);
    expect(() => new WorkerSamplerLoop({ intervalMs: 1.5 })).toThrow(RangeError);
    expect(() => new WorkerSamplerLoop({ historyLength: 100_000 })).toThrow(RangeError);
    expect(l.getIntervalMs()).toBe(10_000);
  });

  it('keeps history bounded to the newest points, unsubscribes listeners, and counts a listener that throws', async () => {
    const l = loop({ intervalMs: 250, historyLength: 3 });
    let count = 0;
    const off = l.onSnapshot(() => {
      count++;
      if (count === 1) throw new Error('listener bug');
    });
    const seen: Snapshot[] = [];
    l.onSnapshot((s) => seen.push(s));
    l.start();
    await nextSnapshot(l, (s) => s.seq >= 4, 10_000);
    expect(l.errors().count).toBe(1);
    // The throwing listener did not stop delivery to the next one.
    expect(seen[0]!.seq).toBe(0);
    expect(l.history()).toHaveLength(3);
    expect(l.history().map((p) => p.t)).toEqual(seen.slice(-3).map((s) => s.time));
    off();
    const at = count;
    l.setHistoryLength(1);
    expect(l.history()).toEqual([historyPointOf(seen.at(-1)!)]);
    await sleep(600);
    expect(count).toBe(at);
    expect(seen.length).toBeGreaterThan(5);
    expect(l.history()).toHaveLength(1);
  });

  it('shows a 256 MiB hog in a later snapshot', async () => {
    const l = loop({ intervalMs: 250 });
    l.start();
    await nextSnapshot(l, () => true, 10_000);
    const hog = startHog({ mib: 256 });
    await hog.ready;
    const withHog = await nextSnapshot(l, (s) => (s.processes.find((p) => p.pid === hog.pid)?.anonBytes ?? 0) >= 250 * MiB, 10_000);
    const row = withHog.processes.find((p) => p.pid === hog.pid)!;
    expect(row.rssBytes).toBeGreaterThanOrEqual(256 * MiB);
    expect(row.cmdline).toContain('headroom-test-hog');
  });

  it('restarts a worker that died on the next tick, counting the error, with seq going on', async () => {
    const l = loop({ intervalMs: 250 });
    l.start();
    const before = await nextSnapshot(l, (s) => s.seq >= 1, 10_000);
    // Kill the worker thread the way a fatal error in it would end it (a private field: no test hook in the API).
    const worker = (l as unknown as { worker: Worker | null }).worker;
    expect(worker).not.toBeNull();
    await worker!.terminate();
    await sleep(50);
    expect(l.errors().count).toBe(1);
    expect(String(l.errors().last)).toMatch(/sampler worker stopped unexpectedly/);
    const after = await nextSnapshot(l, () => true, 10_000);
    expect(after.seq).toBeGreaterThan(before.seq);
    // A new worker, so a cold sampler: no rates yet.
    expect(after.memory.rates.majorFaultsPerSec).toBeNull();
    expect(l.errors().count).toBe(1);
  });

  // Node closes the fds a worker opened with fs.open when it ends, by crash or terminate() alike:
  // the sampler's kept fds (one statm per process, the kept files) rely on it and must not outlive it.
  it('leaves none of a dead worker\'s kept fds open (statm per process, the kept files), and the next worker keeps its own', async () => {
    /** This process's fds on /proc or /sys files, as "fd target". */
    const procOrSysFds = (): Set<string> =>
      new Set(
        readdirSync('/proc/self/fd').flatMap((fd) => {
          try {
            const target = readlinkSync(`/proc/self/fd/${fd}`);
            return /^\/(proc|sys)\//.test(target) ? [`${fd} ${target}`] : [];
          } catch {
            return [];
          }
        }),
      );
    const before = procOrSysFds();
    // A long interval: the restart comes 5 s after the crash, so the fds can be counted in between.
    const l = loop({ intervalMs: 5000 });
    l.start();
    await nextSnapshot(l, () => true, 10_000);
    // The worker's: one statm fd per process of the machine, the kept files, the fork watch's counters.
    const kept = [...procOrSysFds()].filter((fd) => !before.has(fd));
    expect(kept.length).toBeGreaterThan(20);
    const worker = (l as unknown as { worker: Worker | null }).worker;
    const exited = new Promise((r) => worker!.once('exit', r));
    await worker!.terminate();
    await exited;
    expect(l.errors().count).toBe(1);
    const now = procOrSysFds();
    expect(kept.filter((fd) => now.has(fd))).toEqual([]);
    // The next worker keeps its own again.
    await nextSnapshot(l, () => true, 15_000);
    expect([...procOrSysFds()].filter((fd) => !before.has(fd)).length).toBeGreaterThan(20);
    l.stop();
  }, 40_000);

  it('holds at most two sampler threads however fast it is paused and resumed, and ticks after the last resume', async () => {
    // What a page sending setPaused off and on in a loop does to the service's loop.
    const threads = () => readdirSync('/proc/self/task').length;
    const l = loop({ intervalMs: 250 });
    l.start();
    await nextSnapshot(l, () => true, 10_000);
    const running = threads();
    let most = running;
    for (let i = 0; i < 150; i++) {
      l.stop();
      l.start();
      most = Math.max(most, threads());
    }
    // One worker running and one ending (each used to add a thread: ~75 here, gigabytes at a few hundred).
    expect(most).toBeLessThanOrEqual(running + 2);
    const resumed = await nextSnapshot(l, () => true, 10_000);
    SnapshotSchema.parse(resumed);
    await sleep(500);
    expect(threads()).toBeLessThanOrEqual(running);
    expect(l.errors().count).toBe(0);
  });

  it('lets the process exit once stopped (and keeps it alive while running)', async () => {
    const script = (stop: boolean) => `
      const { WorkerSamplerLoop } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'main', 'sampler', 'worker-loop.js'))});
      const l = new WorkerSamplerLoop({ intervalMs: 250 });
      const off = l.onSnapshot((s) => { off(); process.stdout.write('snapshot ' + s.seq + '\\n'); ${stop ? 'l.stop();' : ''} });
      l.start();`;
    const run = (stop: boolean): { child: ChildProcess; firstSnapshot: Promise<void>; exited: Promise<number | null> } => {
      const child = spawn(process.execPath, ['-e', script(stop)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const firstSnapshot = new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('snapshot 0') && resolve()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, firstSnapshot, exited };
    };
    const stopped = run(true);
    await stopped.firstSnapshot;
    const code = await Promise.race([stopped.exited, sleep(10_000).then(() => 'still running' as const)]);
    expect(code).toBe(0);
    // The control: without stop() the running loop keeps its process alive.
    const running = run(false);
    await running.firstSnapshot;
    const state = await Promise.race([running.exited, sleep(2000).then(() => 'still running' as const)]);
    expect(state).toBe('still running');
  });
});

describe('the host event loop during the cold first tick', () => {
  const IDLE_CHILDREN = 2000;

  it('keeps firing with the worker, and is blocked for the whole tick by the in-thread SamplerLoop', async () => {
    // A big process table makes the cold tick (every process's identity read) long enough to see.
    try {
      await startIdleChildren(IDLE_CHILDREN, children, 120);
      await sleep(1000);

      /** Start `l` and measure the host's event loop until its first snapshot: max event-loop delay and the largest gap of a 10 ms interval. */
      const measure = async (l: SamplerLoop | WorkerSamplerLoop) => {
        const delay = monitorEventLoopDelay({ resolution: 10 });
        let last = performance.now();
        let maxGapMs = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          maxGapMs = Math.max(maxGapMs, now - last);
          last = now;
        }, 10);
        delay.enable();
        const first = nextSnapshot(l, () => true, 30_000);
        l.start();
        const snapshot = await first;
        // One more turn so a gap that ended with the snapshot is counted.
        await sleep(30);
        delay.disable();
        clearInterval(ticker);
        l.stop();
        // monitorEventLoopDelay's samples include its own 10 ms resolution.
        return { coldMs: snapshot.sampleMs, processes: snapshot.processes.length, maxDelayMs: delay.max / 1e6 - 10, maxGapMs };
      };

      // (monitorEventLoopDelay does not count the stretch before its first timer fires, so the
      // 10 ms interval's largest gap is the measure that sees a block starting inside start().)
      const onWorker = await measure(loop({ intervalMs: 1000 }));
      const l = new SamplerLoop({ intervalMs: 1000 });
      loops.push(l);
      const inThread = await measure(l);
      process.stdout.write(`cold tick: worker ${JSON.stringify(onWorker)}, in-thread ${JSON.stringify(inThread)}\n`);

      expect(onWorker.processes).toBeGreaterThanOrEqual(IDLE_CHILDREN);
      // Without a long cold tick the comparison would say nothing.
      expect(onWorker.coldMs).toBeGreaterThan(100);
      // The in-thread loop blocks the host for its whole tick: the measurement sees a blocked loop.
      expect(inThread.maxGapMs).toBeGreaterThanOrEqual(inThread.coldMs);
      // The worker's cold tick leaves the host free: its worst stall (here 14–25 ms on the loaded
      // machine, receiving the snapshot included) is a fraction of the tick.
      expect(onWorker.maxGapMs).toBeLessThan(onWorker.coldMs / 2);
      expect(onWorker.maxDelayMs).toBeLessThan(onWorker.coldMs / 2);
    } finally {
      await killChildren(children);
    }
  });
});
