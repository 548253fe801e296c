/**
 * Sampler-on-a-worker benchmark (`npx tsx test/bench/sampler-worker.ts`).
 *
 * Starts 2,000 idle children (`sleep`, spawned directly: not memory hogs), then in one run samples
 * them at 1 Hz in ~20 s windows with SamplerLoop (the sampler on the main thread: the baseline) and
 * with WorkerSamplerLoop, in the order A B B A, and measures what the main thread suffers: its event-loop delay
 * (perf_hooks.monitorEventLoopDelay, p50/p99/max), its event-loop utilisation and its own CPU time (ms per second),
 * and the largest stall during each loop's cold first tick; a first window with no sampling is the
 * reference for what the monitor and the machine's load cost by themselves. Then the cost of receiving a snapshot
 * on the main thread: V8 structured-clone deserialisation (what postMessage does) of real
 * 2,000-process snapshots. Every child is killed by PID in `finally`, on exit and on SIGINT/SIGTERM;
 * each also ends by itself after CHILD_LIFETIME_S.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import type { Snapshot } from '../../contract/snapshot';
import { SamplerLoop, WorkerSamplerLoop } from '../../main/sampler';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';

const CHILDREN = 2000;
const CHILD_LIFETIME_S = 300;
const TICK_MS = 1000;
/** Warm measuring window per loop. */
const WINDOW_MS = Number(process.env.HEADROOM_BENCH_WINDOW_MS ?? 20_000);
const CLONE_RUNS = 50;
const USER_HZ = 100;
/** monitorEventLoopDelay's resolution; its samples include it (an idle loop reads ≈ 10.1 ms), so it is subtracted. */
const RESOLUTION_MS = 10;

export interface LoopMainThreadCost {
  loop: 'no sampling (reference)' | 'SamplerLoop (main thread)' | 'WorkerSamplerLoop';
  processes: number;
  ticks: number;
  coldSampleMs: number;
  /** Largest gap of a 10 ms interval on the main thread while the cold first tick ran. */
  coldMaxStallMs: number;
  medianSampleMs: number;
  /** Main-thread event-loop delay over the warm window, beyond the 10 ms resolution timer. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Main thread busy time per second of the window (event-loop utilisation; wall time, so it also counts waiting for a CPU while busy). */
  mainBusyMsPerSec: number;
  /** CPU time of the main thread alone per second of the window (/proc/self/task/PID/stat, 10 ms ticks). */
  mainCpuMsPerSec: number;
  /** CPU time of the whole process (every thread, the worker's too) per second of the window. */
  processCpuMsPerSec: number;
}

export interface SamplerWorkerBenchResult {
  machine: string;
  loops: LoopMainThreadCost[];
  snapshotBytes: number;
  /** Median V8 deserialisation of one snapshot: what the main thread pays per received tick. */
  deserializeMs: number;
  /** Median V8 serialisation of one snapshot: paid on the worker. */
  serializeMs: number;
  /** SamplerLoop ÷ WorkerSamplerLoop (means over their windows): p99 delay, max delay, main-thread CPU above the no-sampling reference. */
  ratioP99: number;
  ratioMax: number;
  ratioMainCpu: number;
  loadAvgAtStart: string;
  loadAvgAtEnd: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAvg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU (user+sys) of this process's main thread so far, in ms (its task's stat, fields 14+15, clock ticks). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Run one loop at 1 Hz: its cold tick, then WINDOW_MS of warm ticks, measured on this (main) thread. */
async function measureLoop(name: LoopMainThreadCost['loop'], loop: SamplerLoop | WorkerSamplerLoop | null, keep: Snapshot[]): Promise<LoopMainThreadCost> {
  let last = performance.now();
  let maxGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  // Only the costs and the newest few snapshots are kept: holding every 2,000-process snapshot would
  // grow the heap and bill major GCs to whichever loop runs later, which the app does not do.
  const sampleMs: number[] = [];
  const recent: Snapshot[] = [];
  let firstArrived: () => void = () => {};
  const first = new Promise<void>((r) => (firstArrived = r));
  loop?.onSnapshot((s) => {
    sampleMs.push(s.sampleMs);
    recent.push(s);
    if (recent.length > 5) recent.shift();
    if (sampleMs.length === 1) firstArrived();
  });
  await sleep(50);
  last = performance.now();
  loop?.start();
  if (loop) await first;
  await sleep(20);
  const coldMaxStallMs = maxGapMs;
  clearInterval(ticker);

  const delay = monitorEventLoopDelay({ resolution: 10 });
  const countBefore = sampleMs.length;
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const cpuBefore = mainThreadCpuMs();
  const processCpuBefore = process.cpuUsage();
  await sleep(WINDOW_MS);
  const processCpu = process.cpuUsage(processCpuBefore);
  const used = performance.eventLoopUtilization(elu);
  const mainCpuMs = mainThreadCpuMs() - cpuBefore;
  delay.disable();
  loop?.stop();
  const ticks = sampleMs.length - countBefore;
  keep.push(...recent);
  return {
    loop: name,
    processes: recent.at(-1)?.processes.length ?? 0,
    ticks,
    coldSampleMs: round(sampleMs[0] ?? 0),
    coldMaxStallMs: round(coldMaxStallMs),
    medianSampleMs: round(sampleMs.length > 1 ? median(sampleMs.slice(1)) : 0),
    delayP50Ms: round(delay.percentile(50) / 1e6 - RESOLUTION_MS),
    delayP99Ms: round(delay.percentile(99) / 1e6 - RESOLUTION_MS),
    delayMaxMs: round(delay.max / 1e6 - RESOLUTION_MS),
    mainBusyMsPerSec: round((used.active / WINDOW_MS) * 1000),
    mainCpuMsPerSec: round((mainCpuMs / WINDOW_MS) * 1000),
    processCpuMsPerSec: round(((processCpu.user + processCpu.system) / 1000 / WINDOW_MS) * 1000),
  };
}

/** Run the benchmark and return its numbers (also printed). */
export async function benchSamplerWorker(): Promise<SamplerWorkerBenchResult> {
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  const loadAvgAtStart = loadAvg();
  try {
    await startIdleChildren(CHILDREN, children, CHILD_LIFETIME_S);
    await sleep(1000);

    const kept: Snapshot[] = [];
    const idle = await measureLoop('no sampling (reference)', null, kept);
    // A B B A, so neither design always gets the warmer caches or the quieter minute.
    const baseline: LoopMainThreadCost[] = [];
    const worker: LoopMainThreadCost[] = [];
    baseline.push(await measureLoop('SamplerLoop (main thread)', new SamplerLoop({ intervalMs: TICK_MS }), kept));
    worker.push(await measureLoop('WorkerSamplerLoop', new WorkerSamplerLoop({ intervalMs: TICK_MS }), kept));
    worker.push(await measureLoop('WorkerSamplerLoop', new WorkerSamplerLoop({ intervalMs: TICK_MS }), kept));
    baseline.push(await measureLoop('SamplerLoop (main thread)', new SamplerLoop({ intervalMs: TICK_MS }), kept));
    const avg = (rows: LoopMainThreadCost[], key: 'delayP99Ms' | 'delayMaxMs' | 'mainCpuMsPerSec'): number => mean(rows.map((r) => r[key]));

    // Structured clone, as postMessage does it (the V8 ValueSerializer), on real warm snapshots.
    const serializeTimes: number[] = [];
    const deserializeTimes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < CLONE_RUNS; i++) {
      const snapshot = kept[i % kept.length]!;
      let t = performance.now();
      const buffer = serialize(snapshot);
      serializeTimes.push(performance.now() - t);
      bytes = buffer.length;
      t = performance.now();
      deserialize(buffer);
      deserializeTimes.push(performance.now() - t);
    }

    const result: SamplerWorkerBenchResult = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}`,
      loops: [idle, baseline[0]!, worker[0]!, worker[1]!, baseline[1]!],
      snapshotBytes: bytes,
      deserializeMs: round(median(deserializeTimes), 3),
      serializeMs: round(median(serializeTimes), 3),
      ratioP99: round(avg(baseline, 'delayP99Ms') / avg(worker, 'delayP99Ms')),
      ratioMax: round(avg(baseline, 'delayMaxMs') / avg(worker, 'delayMaxMs')),
      ratioMainCpu: round((avg(baseline, 'mainCpuMsPerSec') - idle.mainCpuMsPerSec) / Math.max(0.5, avg(worker, 'mainCpuMsPerSec') - idle.mainCpuMsPerSec)),
      loadAvgAtStart,
      loadAvgAtEnd: loadAvg(),
    };
    for (const l of result.loops) {
      const ticks = l.ticks > 0
        ? `${l.processes} processes, ${l.ticks} warm ticks at 1 Hz, sampleMs median ${l.medianSampleMs} ms (cold ${l.coldSampleMs} ms, main thread stalled up to ${l.coldMaxStallMs} ms meanwhile) · `
        : '';
      process.stdout.write(
        `${l.loop}: ${ticks}main-thread event-loop delay beyond the 10 ms timer p50 ${l.delayP50Ms} / p99 ${l.delayP99Ms} / max ${l.delayMaxMs} ms · ` +
          `main thread busy ${l.mainBusyMsPerSec} ms/s, CPU ${l.mainCpuMsPerSec} ms/s (whole process ${l.processCpuMsPerSec} ms/s)\n`,
      );
    }
    process.stdout.write(
      `snapshot: ${(bytes / 1024).toFixed(0)} KiB structured-clone, deserialise ${result.deserializeMs} ms on the main thread (serialise ${result.serializeMs} ms on the worker)\n` +
        `ratios SamplerLoop ÷ WorkerSamplerLoop: p99 delay ${result.ratioP99}×, max delay ${result.ratioMax}×, main-thread CPU above the reference ${result.ratioMainCpu}×\n` +
        `load average ${loadAvgAtStart} at start, ${result.loadAvgAtEnd} at end (2 cores, shared)\n`,
    );
    return result;
  } finally {
    await killChildren(children);
    unguard();
  }
}

if (require.main === module) {
  benchSamplerWorker().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench sampler-worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
