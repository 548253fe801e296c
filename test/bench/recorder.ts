/**
 * Recorder benchmark (`npm run bench -- recorder`, or `npx tsx test/bench/recorder.ts`).
 *
 * 1. With 2,000 idle children (`sleep`, not hogs), real ticks paced at TICK_MS: per tick, the CPU of
 *    the real sampler's sample() and the CPU of the real recorder's tick() on that snapshot (encode,
 *    deflate, append, kmsg read) — ratio target < 0.1 — plus the wall time tick() holds the thread
 *    (median and worst) and the bytes it appended (→ bytes per hour at 1 Hz).
 * 2. A day: 86,400 ticks (a real snapshot re-stamped a second apart, ending now) written through the
 *    real writer, then the time to answer getHistory({sinceMs: 24 h}) from the store, cold (files read
 *    and decoded) and warm (cached), against a baseline in the same run: JSON.parse of the same points
 *    as one JSON document (what a JSON store would at least cost). Target: < 200 ms.
 * Every child is killed by PID in finally; the temporary store is removed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { History } from '../../contract/history';
import { historyPointOf } from '../../contract/history';
import type { Snapshot } from '../../contract/snapshot';
import { createRecorder } from '../../main/recorder/recorder';
import { ensureStateDir } from '../../main/recorder/safe-fs';
import { listSegments } from '../../main/recorder/segments';
import { forgetCached, warmCache } from '../../main/recorder/sys-cache';
import { StoreWriter } from '../../main/recorder/store-writer';
import { createSampler } from '../../main/sampler';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';

const CHILDREN = 2000;
const TICKS = Number(process.env.HEADROOM_BENCH_TICKS ?? 40);
const TICK_MS = Number(process.env.HEADROOM_BENCH_TICK_MS ?? 500);
const DAY_TICKS = 86_400;

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const round = (n: number, d = 3): number => Math.round(n * 10 ** d) / 10 ** d;
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run the benchmark; prints its numbers and returns them. */
export async function benchRecorder(): Promise<Record<string, unknown>> {
  const loadAtStart = loadavg();
  const home = mkdtempSync(join(tmpdir(), 'headroom-bench-rec-'));
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  try {
    await startIdleChildren(CHILDREN, children, 600);
    const sampler = createSampler({ intervalMs: TICK_MS });
    const recorder = createRecorder({ dir: join(home, 'live'), log: () => {} });
    recorder.start();
    sampler.sample();
    const samplerCpu: number[] = [];
    const recorderCpu: number[] = [];
    const recorderWallUs: number[] = [];
    let snapshot: Snapshot | null = null;
    let processes = 0;
    let apps = 0;
    const bytesBefore = () => listSegments(join(home, 'live')).segments.reduce((s, x) => s + x.sysBytes + x.appsBytes, 0);
    recorder.tick(sampler.sample());
    const startBytes = bytesBefore();
    for (let i = 0; i < TICKS; i++) {
      const started = Date.now();
      let u = process.cpuUsage();
      snapshot = sampler.sample();
      samplerCpu.push(cpuMs(process.cpuUsage(u)));
      u = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      recorder.tick(snapshot);
      recorderWallUs.push(Number(process.hrtime.bigint() - t0) / 1000);
      recorderCpu.push(cpuMs(process.cpuUsage(u)));
      processes = snapshot.processes.length;
      apps = snapshot.apps.length;
      await new Promise((r) => setTimeout(r, Math.max(0, started + TICK_MS - Date.now())));
    }
    const bytesPerTick = (bytesBefore() - startBytes) / TICKS;
    recorder.close();
    sampler.close();
    await killChildren(children);

    // A day through the real writer.
    const dayDir = join(home, 'day');
    const base = snapshot!;
    const now = Date.now();
    const writeStarted = process.hrtime.bigint();
    const writer = new StoreWriter(dayDir, 4 * 1024 * 1024);
    ensureStateDir(dayDir);
    for (let i = 0; i < DAY_TICKS; i++) writer.writeTick({ ...base, time: now - (DAY_TICKS - 1 - i) * 1000, seq: i });
    writer.close();
    const writeDaySeconds = Number(process.hrtime.bigint() - writeStarted) / 1e9;
    const segments = listSegments(dayDir).segments;
    const dayBytes = segments.reduce((s, x) => s + x.sysBytes + x.appsBytes, 0);
    const daySysBytes = segments.reduce((s, x) => s + x.sysBytes, 0);

    const reader = createRecorder({ dir: dayDir, log: () => {} });
    // Cold: the first read of these files in this process (the cache is per process; a writer's own
    // segments were never decoded here because they were written through StoreWriter only).
    const memory: History = { intervalMs: 1000, points: [], markers: [] };
    let t = process.hrtime.bigint();
    const cold = reader.history({ sinceMs: 24 * 3600_000, toTime: now, maxPoints: 2000 }, memory);
    const coldMs = Number(process.hrtime.bigint() - t) / 1e6;
    const warmRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = process.hrtime.bigint();
      reader.history({ sinceMs: 24 * 3600_000, toTime: now, maxPoints: 2000 }, memory);
      warmRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    // As the app runs it: start() warms the cache in the background, one file per macrotask; the
    // longest single step is what the main thread waits at most.
    forgetCached(segments.map((x) => join(dayDir, `${x.stem}.sys`)));
    const stepMs: number[] = [];
    let last = process.hrtime.bigint();
    const warmStarted = last;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = process.hrtime.bigint();
        stepMs.push(Number(now - last) / 1e6);
        last = now;
      };
      const timer = setInterval(tick, 0);
      warmCache(dayDir, () => {
        clearInterval(timer);
        resolve();
      });
    });
    const warmUpMs = Number(process.hrtime.bigint() - warmStarted) / 1e6;
    t = process.hrtime.bigint();
    reader.history({ sinceMs: 24 * 3600_000, toTime: now, maxPoints: 2000 }, memory);
    const afterWarmUpMs = Number(process.hrtime.bigint() - t) / 1e6;
    const json = JSON.stringify(Array.from({ length: DAY_TICKS }, (_, i) => historyPointOf({ ...base, time: now - i * 1000 })));
    t = process.hrtime.bigint();
    JSON.parse(json);
    const jsonParseMs = Number(process.hrtime.bigint() - t) / 1e6;

    const samplerCpuMs = samplerCpu.reduce((a, b) => a + b, 0) / samplerCpu.length;
    const recorderCpuMs = recorderCpu.reduce((a, b) => a + b, 0) / recorderCpu.length;
    const result = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}`,
      processes,
      apps,
      ticks: TICKS,
      tickMs: TICK_MS,
      samplerCpuMsPerTick: round(samplerCpuMs),
      recorderCpuMsPerTick: round(recorderCpuMs),
      ratioRecorderToSampler: round(recorderCpuMs / samplerCpuMs),
      recorderTickWallUsMedian: round(median(recorderWallUs), 1),
      recorderTickWallUsP95: round([...recorderWallUs].sort((a, b) => a - b)[Math.floor(recorderWallUs.length * 0.95)]!, 1),
      recorderTickWallUsMax: round(Math.max(...recorderWallUs), 1),
      bytesPerTick: round(bytesPerTick, 0),
      bytesPerHourAt1Hz: Math.round(bytesPerTick * 3600),
      dayTicks: DAY_TICKS,
      dayApps: base.apps.length,
      dayWriteSeconds: round(writeDaySeconds, 2),
      dayBytes,
      daySysBytes,
      daySegments: segments.length,
      dayPointsReturned: cold.points.length,
      loadDayColdMs: round(coldMs, 1),
      loadDayWarmMsMedian: round(median(warmRuns), 1),
      warmUpInBackgroundMs: round(warmUpMs, 1),
      warmUpLongestStepMs: round(Math.max(...stepMs), 1),
      loadDayAfterWarmUpMs: round(afterWarmUpMs, 1),
      jsonParseSamePointsMs: round(jsonParseMs, 1),
      ratioColdToJsonParse: round(coldMs / jsonParseMs, 2),
      loadAvgAtStart: loadAtStart,
      loadAvgAtEnd: loadavg(),
    };
    reader.close();
    process.stdout.write(
      `recorder: ${processes} processes, ${apps} apps, ${TICKS} ticks every ${TICK_MS} ms\n` +
        `  CPU per tick: sampler ${result.samplerCpuMsPerTick} ms, recorder ${result.recorderCpuMsPerTick} ms → ratio ${result.ratioRecorderToSampler} (target < 0.1)\n` +
        `  recorder holds the thread ${result.recorderTickWallUsMedian} µs median, ${result.recorderTickWallUsP95} µs p95, ${result.recorderTickWallUsMax} µs worst per tick\n` +
        `  ${result.bytesPerTick} bytes per tick → ${(result.bytesPerHourAt1Hz / 1048576).toFixed(2)} MiB per hour at 1 Hz\n` +
        `  a day (${DAY_TICKS} ticks, ${result.dayApps} apps each) written in ${result.dayWriteSeconds} s: ${(dayBytes / 1048576).toFixed(1)} MiB ` +
        `(system ${(daySysBytes / 1048576).toFixed(1)} MiB) in ${segments.length} segments\n` +
        `  getHistory(24 h) → ${result.dayPointsReturned} points: cold ${result.loadDayColdMs} ms, warm ${result.loadDayWarmMsMedian} ms (target < 200 ms); ` +
        `baseline JSON.parse of the same 86,400 points ${result.jsonParseSamePointsMs} ms → ratio ${result.ratioColdToJsonParse}\n` +
        `  as the app does it: background warm-up at start ${result.warmUpInBackgroundMs} ms (longest main-thread step ${result.warmUpLongestStepMs} ms), ` +
        `then getHistory(24 h) ${result.loadDayAfterWarmUpMs} ms\n` +
        `  load average ${loadAtStart} at start, ${result.loadAvgAtEnd} at end (2 cores, shared)\n`,
    );
    return result;
  } finally {
    await killChildren(children);
    unguard();
    rmSync(home, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchRecorder().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench recorder failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
