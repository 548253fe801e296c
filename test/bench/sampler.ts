/**
 * Sampler benchmark (`npm run bench -- sampler`, or `npx tsx test/bench/sampler.ts`).
 *
 * Starts 2,000 idle children (`sleep`, spawned directly: not memory hogs), then in one run measures
 * the sampler's median sampleMs over 50 warm ticks paced at 1 Hz (the sampler re-reads stat and
 * status on a clock, so back-to-back ticks would flatter it) and its CPU per tick, against the CPU time of
 * `ps -eo pid,ppid,uid,rss,comm` on the same process table (and, as a second baseline, a naive Node
 * reader of every /proc/PID/status). Prints the ratios. Every child is killed by PID in `finally`,
 * on exit and on SIGINT/SIGTERM; each also ends by itself after CHILD_LIFETIME_S.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { createSampler } from '../../main/sampler';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';

const CHILDREN = 2000;
const WARM_TICKS = 50;
/** Tick pace; HEADROOM_BENCH_TICK_MS=250 gives a quicker (and, for the periodic refreshes, more costly per second) run. */
const TICK_MS = Number(process.env.HEADROOM_BENCH_TICK_MS ?? 1000);
const PS_BATCHES = 5;
const PS_RUNS_PER_BATCH = 6;
/** The children end by themselves even if this process is SIGKILLed before it can kill them. */
const CHILD_LIFETIME_S = 300;
const USER_HZ = 100;

export interface SamplerBenchResult {
  machine: string;
  processes: number;
  tickMs: number;
  coldSampleMs: number;
  medianSampleMs: number;
  /** Mean over the warm ticks (what the 1 Hz share is computed from). */
  samplerCpuMsPerTick: number;
  samplerCpuMsPerTickMedian: number;
  fdsOpen: number;
  noKeptFdsMedianSampleMs: number;
  psCpuMs: number;
  statusReaderCpuMs: number;
  /** median sampleMs ÷ ps CPU ms (target ≤ 0.2). */
  ratioSampleMsToPs: number;
  /** sampler CPU per tick ÷ ps CPU. */
  ratioCpuToPs: number;
  /** Sampler CPU per tick ÷ 1000 ms, in percent of one core (target < 2 %). */
  cpuShareAt1HzPct: number;
  loadAvgAtStart: string;
  loadAvgAtEnd: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU (user+sys) of this process's waited-for children so far, in ms (field 16+17 of stat, clock ticks). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Run the benchmark and return its numbers (also printed). */
export async function benchSampler(): Promise<SamplerBenchResult> {
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  const loadAvgAtStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  try {
    await startIdleChildren(CHILDREN, children, CHILD_LIFETIME_S);
    // Let every child get past exec so the table is stable while we measure.
    await new Promise((r) => setTimeout(r, 1000));

    const sampler = createSampler({ intervalMs: TICK_MS });
    const cold = sampler.sample();
    const times: number[] = [];
    let processes = 0;
    const cpuPerTick: number[] = [];
    for (let i = 0; i < WARM_TICKS; i++) {
      const started = performance.now();
      // CPU measured around the tick only: the sleep between ticks is not the sampler's.
      const cpuBefore = process.cpuUsage();
      const s = sampler.sample();
      cpuPerTick.push(cpuMs(process.cpuUsage(cpuBefore)));
      times.push(s.sampleMs);
      processes = s.processes.length;
      await new Promise((r) => setTimeout(r, Math.max(0, started + TICK_MS - performance.now())));
    }
    const samplerCpuMsPerTick = cpuPerTick.reduce((a, b) => a + b, 0) / WARM_TICKS;
    const fdsOpen = sampler.fdsOpen;
    sampler.close();

    // The fallback beyond the fd budget: open+read+close for every process.
    const noFds = createSampler({ fdBudget: 0 });
    noFds.sample();
    const noFdTimes: number[] = [];
    for (let i = 0; i < 20; i++) noFdTimes.push(noFds.sample().sampleMs);
    noFds.close();

    // Baseline 1: ps, CPU of the child from our children's rusage (10 ms clock ticks, so batched).
    const psBatches: number[] = [];
    for (let b = 0; b < PS_BATCHES; b++) {
      const before = childrenCpuMs();
      for (let r = 0; r < PS_RUNS_PER_BATCH; r++) {
        const ps = spawnSync('ps', ['-eo', 'pid,ppid,uid,rss,comm'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
        if (ps.status !== 0) throw new Error(`ps failed with status ${ps.status}`);
      }
      psBatches.push((childrenCpuMs() - before) / PS_RUNS_PER_BATCH);
    }

    // Baseline 2: a naive Node reader of every status file.
    const statusRuns: number[] = [];
    for (let r = 0; r < 5; r++) {
      const before = process.cpuUsage();
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          readFileSync(`/proc/${name}/status`, 'utf8');
        } catch {
          // vanished
        }
      }
      statusRuns.push(cpuMs(process.cpuUsage(before)));
    }

    const medianSampleMs = median(times);
    const psCpuMs = median(psBatches);
    const result: SamplerBenchResult = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}`,
      processes,
      tickMs: TICK_MS,
      coldSampleMs: round(cold.sampleMs),
      medianSampleMs: round(medianSampleMs),
      samplerCpuMsPerTick: round(samplerCpuMsPerTick),
      samplerCpuMsPerTickMedian: round(median(cpuPerTick)),
      fdsOpen,
      noKeptFdsMedianSampleMs: round(median(noFdTimes)),
      psCpuMs: round(psCpuMs),
      statusReaderCpuMs: round(median(statusRuns)),
      ratioSampleMsToPs: round(medianSampleMs / psCpuMs, 3),
      ratioCpuToPs: round(samplerCpuMsPerTick / psCpuMs, 3),
      cpuShareAt1HzPct: round((samplerCpuMsPerTick / 1000) * 100, 2),
      loadAvgAtStart,
      loadAvgAtEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
    process.stdout.write(
      `sampler: ${processes} processes, ticks every ${TICK_MS} ms, median sampleMs ${result.medianSampleMs} ms (cold ${result.coldSampleMs} ms), ` +
        `CPU ${result.samplerCpuMsPerTick} ms/tick (median ${result.samplerCpuMsPerTickMedian}), ${fdsOpen} fds kept open\n` +
        `ps -eo pid,ppid,uid,rss,comm: ${result.psCpuMs} ms CPU · naive status reader: ${result.statusReaderCpuMs} ms CPU · ` +
        `sampler without kept fds: ${result.noKeptFdsMedianSampleMs} ms\n` +
        `ratio sampleMs / ps CPU = ${result.ratioSampleMsToPs} (target ≤ 0.2) · sampler CPU / ps CPU = ${result.ratioCpuToPs} · ` +
        `CPU share at 1 Hz = ${result.cpuShareAt1HzPct} % of one core (target < 2 %)\n` +
        `load average ${loadAvgAtStart} at start, ${result.loadAvgAtEnd} at end (2 cores, shared)\n`,
    );
    return result;
  } finally {
    await killChildren(children);
    unguard();
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (require.main === module) {
  benchSampler().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench sampler failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
