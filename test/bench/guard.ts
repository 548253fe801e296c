/**
 * Guard benchmark (not a test): does `headroom guard` notice, name and reap a thrasher in time while
 * its own pages are under the same reclaim — and what does hardening buy?
 *
 * Each run: one v1 memory cgroup (300 MiB limit) holding both the guard and, 3 s after the guard
 * started, a thrasher (600 MiB file read at random by 4 threads, in `app-hrdrill-<pid>.scope`). The
 * guard runs from a fresh copy of the node binary written from inside the cgroup, so its code pages
 * are charged there and reclaimed with the thrasher's, as on a desktop out of memory. Both run as a
 * throwaway uid (the guard can only reap that uid's processes); the guard gets CAP_IPC_LOCK and
 * CAP_SYS_NICE as ambient capabilities (and nothing else: it still cannot signal anyone else's
 * processes) so the hardened guard may mlock and take nice −10 — a packaged user service would get
 * the same from AmbientCapabilities= or LimitMEMLOCK=/LimitNICE=. Baseline = `--no-harden`, in the same run,
 * alternating with the hardened guard.
 *
 * Measured: onset (the first 100 ms interval after the thrasher's start with system memory `some`
 * ≥ the warn level, read by this process) → the guard's warning and → its reap; the guard's tick
 * interval (main-thread snapshot arrivals, from test/bench/guard-child.cjs) p50/p99/max from onset
 * to the reap. Reference: systemd-oomd's default acts at 60 % `full`… for 30 s.
 *
 * Run: `npm run bench -- guard` (builds first).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GuardEventSchema, type GuardEvent } from '../../contract/guard';
import { ownMemoryCgroupV1, startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { DRILL_UID, drillWorkDir } from '../guard/guard-process';
import { Attribution } from '../../main/guard/attribution';
import { createSampler } from '../../main/sampler/sampler';
import { defaultSettings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';

const RUNS_PER_MODE = Number(process.env.GUARD_BENCH_RUNS ?? 3);
const LIMIT_MIB = 300;
const FILE_MIB = 600;
const WARN_AT = 3;
const ARGS = ['--json', '--warn-at', String(WARN_AT), '--act-at', '1', '--sustain', '2'];
/** How long a soak run (no --act) keeps the thrasher going after the onset, for the tick intervals. */
const SOAK_MS = 15_000;
const CHILD = resolve(__dirname, 'guard-child.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Run {
  hardened: boolean;
  act: boolean;
  /** From the first 100 ms with system `some` ≥ the warn level (this process's poll). */
  onsetToWarningMs: number | null;
  /** From the first 100 ms with the thrasher's own group `some` ≥ the warn level. */
  appOnsetToWarningMs: number | null;
  onsetToReapMs: number | null;
  /** Tick intervals (ms) from the onset to the reap (act) or to the end of the soak. */
  intervals: number[];
  hardening: string;
  loadavg: string;
  /** What the warning said: system pressure and the culprit's reason. */
  warned: string;
}

function someTotalUs(path = '/proc/pressure/memory'): number | null {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync(path, 'latin1'))![1]);
  } catch {
    return null;
  }
}

/** Watches one PSI file every 100 ms and keeps the first moment its `some` share reached the level. */
class Onset {
  at: number | null = null;
  private last: { t: number; us: number | null };
  constructor(private readonly path: string) {
    this.last = { t: Date.now(), us: someTotalUs(path) };
  }
  poll(): void {
    const now = { t: Date.now(), us: someTotalUs(this.path) };
    if (this.at === null && now.us !== null && this.last.us !== null && ((now.us - this.last.us) / ((now.t - this.last.t) * 1000)) * 100 >= WARN_AT) this.at = this.last.t;
    this.last = now;
  }
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function oneRun(hardened: boolean, act: boolean, index: number): Promise<Run> {
  const work = drillWorkDir();
  const cgroup = join(ownMemoryCgroupV1(), `headroom-guard-bench-${process.pid}-${index}`);
  mkdirSync(cgroup);
  writeFileSync(join(cgroup, 'memory.limit_in_bytes'), String(LIMIT_MIB * 1024 * 1024));
  const ticksFile = join(work.dir, 'ticks.json');
  const nodeCopy = join(work.dir, 'node');
  let pressure: MemoryPressure | null = null;
  const events: GuardEvent[] = [];
  let stderr = '';
  // Join the cgroup as root, copy node from inside it, then become the drill user with two capabilities.
  const guard = spawn(
    'sh',
    [
      '-c',
      'echo $$ > "$1"; cp "$2" "$3" && chmod 755 "$3"; u=$4; n=$3; shift 4; exec setpriv --reuid="$u" --regid="$u" --clear-groups --inh-caps=+ipc_lock,+sys_nice --ambient-caps=+ipc_lock,+sys_nice "$n" "$@"',
      'sh', join(cgroup, 'cgroup.procs'), process.execPath, nodeCopy, String(DRILL_UID),
      CHILD, ticksFile, ...ARGS, ...(act ? ['--act'] : []), ...(hardened ? [] : ['--no-harden']),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: work.dir, XDG_CONFIG_HOME: join(work.dir, 'config'), HEADROOM_GUARD_LOCK: join(work.dir, 'guard.lock') } },
  );
  guard.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let out = '';
  guard.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (let nl = out.indexOf('\n'); nl !== -1; nl = out.indexOf('\n')) {
      events.push(GuardEventSchema.parse(JSON.parse(out.slice(0, nl))));
      out = out.slice(nl + 1);
    }
  });
  const exited = new Promise<void>((r) => guard.once('exit', () => r()));
  const waitEvent = async (kind: GuardEvent['event'], ms: number): Promise<GuardEvent | null> => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
      const found = events.find((e) => e.event === kind);
      if (found) return found;
    }
    return null;
  };
  try {
    if (!(await waitEvent('started', 30_000))) throw new Error(`the guard did not start: ${stderr}`);
    await sleep(3000);
    pressure = startMemoryPressure({ workDir: work.dir, memoryCgroup: cgroup, appScope: 'hrdrill', uid: DRILL_UID, gid: DRILL_UID, fileMiB: FILE_MIB, readers: 4, lifetimeSec: 120 });
    // Onset: this process polls system memory PSI and the thrasher's group every 100 ms from its start.
    const system = new Onset('/proc/pressure/memory');
    const app = new Onset(join(pressure.appGroup!, 'memory.pressure'));
    const done = (): boolean => (act ? events.some((e) => e.event === 'reap') : system.at !== null && Date.now() - system.at >= SOAK_MS);
    for (const end = Date.now() + 60_000; Date.now() < end && !done(); ) {
      await sleep(100);
      system.poll();
      app.poll();
    }
    const onset = system.at;
    const stopAt = Date.now();
    const warning = events.find((e) => e.event === 'warning');
    const reap = events.find((e) => e.event === 'reap');
    if (reap?.event === 'reap' && !reap.results.every((r) => r.pid === pressure!.child.pid)) throw new Error(`the guard reaped something else: ${JSON.stringify(reap.results)}`);
    await sleep(1000);
    guard.kill('SIGTERM');
    await exited;
    const ticks = (JSON.parse(readFileSync(ticksFile, 'utf8')) as number[]).filter((t) => onset !== null && t >= onset && t <= (reap?.time ?? stopAt));
    return {
      hardened,
      act,
      onsetToWarningMs: onset !== null && warning ? warning.time - onset : null,
      appOnsetToWarningMs: app.at !== null && warning ? warning.time - app.at : null,
      onsetToReapMs: onset !== null && reap ? reap.time - onset : null,
      intervals: ticks.slice(1).map((t, i) => t - ticks[i]!),
      hardening: /headroom guard: (locked .*)/.exec(stderr)?.[1] ?? 'not hardened',
      warned: warning?.event === 'warning' ? `some ${warning.pressure.some} %, full ${warning.pressure.full} %, ${warning.culprit?.reason ?? 'no culprit'}` : 'no warning',
      loadavg: loadavg(),
    };
  } finally {
    if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
    await exited;
    await pressure?.stop();
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(cgroup);
        break;
      } catch {
        await sleep(100);
      }
    }
    work.remove();
  }
}

function median(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length ? v[(v.length - 1) >> 1]! : null;
}

/**
 * What the guard adds to each tick on the host's main thread: Attribution.observe (every tick) and
 * Attribution.rank (only while an episode is open or pressure is near the warn level), on real
 * snapshots of this machine taken 250 ms apart; baseline: the sampler's own sampleMs for the same
 * snapshots (spent on the sampler's worker thread, not the main thread).
 */
async function observeCost(): Promise<Record<string, unknown>> {
  const sampler = createSampler();
  const snapshots: Snapshot[] = [];
  for (let i = 0; i < 40; i++) {
    snapshots.push(sampler.sample());
    await sleep(250);
  }
  sampler.close();
  const attribution = new Attribution();
  const s = defaultSettings();
  const policy = { sessionCritical: s.sessionCritical, avoid: s.autoReapAvoid, prefer: s.autoReapPrefer, protectedPids: new Set([process.pid]), ownUid: 0, mayReapOthers: true };
  const observeMs: number[] = [];
  const rankMs: number[] = [];
  for (const snapshot of snapshots.slice(1)) {
    let t = performance.now();
    attribution.observe(snapshot);
    observeMs.push(performance.now() - t);
    t = performance.now();
    attribution.rank(snapshot, policy);
    rankMs.push(performance.now() - t);
  }
  const med = (xs: number[]) => Math.round(median(xs)! * 1000) / 1000;
  const sampleMs = med(snapshots.slice(1).map((x) => x.sampleMs));
  return {
    processes: snapshots.at(-1)!.processes.length,
    apps: snapshots.at(-1)!.apps.length,
    observeMedianMs: med(observeMs),
    rankMedianMs: med(rankMs),
    sampleMedianMs: sampleMs,
    ratioObservePlusRankToSample: Math.round(((med(observeMs) + med(rankMs)) / sampleMs) * 1000) / 1000,
    loadavg: loadavg(),
  };
}

/** Alternate baseline and hardened runs (a soak run and an --act run each); print each and the medians with ratios. */
export async function benchGuard(): Promise<unknown> {
  const cost = await observeCost();
  process.stdout.write(`guard cost per tick on the main thread: ${JSON.stringify(cost)}\n`);
  const runs: Run[] = [];
  let index = 0;
  for (let i = 0; i < RUNS_PER_MODE; i++) {
    for (const hardened of [false, true]) {
      for (const act of [false, true]) {
        const run = await oneRun(hardened, act, index++);
        runs.push(run);
        const sorted = [...run.intervals].sort((a, b) => a - b);
        process.stdout.write(
          `${hardened ? 'hardened' : 'baseline'} ${act ? 'act ' : 'soak'}: onset→warning ${run.onsetToWarningMs} ms (from the thrasher's own stall ${run.appOnsetToWarningMs} ms), onset→reap ${run.onsetToReapMs} ms, tick p50/p99/max ${percentile(sorted, 50)}/${percentile(sorted, 99)}/${sorted.at(-1)} ms over ${sorted.length}; ${run.hardening}; load ${run.loadavg}; warned: ${run.warned}\n`,
        );
      }
    }
  }
  const summary = (hardened: boolean) => {
    const r = runs.filter((x) => x.hardened === hardened);
    const intervals = r.flatMap((x) => x.intervals).sort((a, b) => a - b);
    return {
      onsetToWarningMs: median(r.map((x) => x.onsetToWarningMs)),
      appOnsetToWarningMs: median(r.map((x) => x.appOnsetToWarningMs)),
      onsetToReapMs: median(r.filter((x) => x.act).map((x) => x.onsetToReapMs)),
      reaps: `${r.filter((x) => x.act && x.onsetToReapMs !== null).length} of ${r.filter((x) => x.act).length}`,
      tickP50Ms: percentile(intervals, 50),
      tickP99Ms: percentile(intervals, 99),
      tickMaxMs: intervals.at(-1) ?? null,
      ticks: intervals.length,
    };
  };
  const base = summary(false);
  const hard = summary(true);
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null);
  return {
    observeCost: cost,
    baseline: base,
    hardened: hard,
    ratioHardenedToBaseline: { onsetToWarning: ratio(hard.onsetToWarningMs, base.onsetToWarningMs), onsetToReap: ratio(hard.onsetToReapMs, base.onsetToReapMs), tickP99: ratio(hard.tickP99Ms, base.tickP99Ms), tickMax: ratio(hard.tickMaxMs, base.tickMaxMs) },
    reference: 'systemd-oomd default: acts when a cgroup\'s memory pressure stays above 60 % for 30 s (DefaultMemoryPressureLimit=60%, DefaultMemoryPressureDurationSec=30s)',
    loadavgAtEnd: loadavg(),
  };
}

if (require.main === module) void benchGuard().then((r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'));
