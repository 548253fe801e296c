/**
 * Reap benchmark (not a test): how fast the memory of a killed process comes back with `kill -9`
 * alone versus Headroom's reap (pidfd + SIGKILL + process_mrelease), measured in the same run.
 *
 * 1. Contended: a 1 GiB victim at nice 19 pinned to CPU 1, which two nice −10 spinners keep busy.
 *    With kill alone the victim barely gets CPU to run its exit path (cap 30 s).
 * 2. Uncontended 2 GiB.
 * 3. The helper's per-request overhead: reaping `sleep` children directly vs through the helper.
 *
 * "Recovered" = MemAvailable plus the per-CPU page lists (/proc/zoneinfo pagesets `count:`) is back
 * by 90 % of the victim's RssAnon; MemAvailable alone lags by seconds (see KERNEL.md), so it is
 * reported too. Headroom's reap runs on the reap worker thread exactly as in the app (so this thread
 * can watch memory come back while the reap is still waiting for the exit); it needs the build in
 * dist/ (npm run bench builds first). Every victim and spinner is killed by PID in `finally`.
 *
 * Run: `npx tsx test/bench/reap.ts` or `npm run bench -- reap`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readStat, readStatus } from '../../native/proc';
import { reapTargets } from '../../native/reap';
import { closeFd, pidfdOpen, processMrelease } from '../../native/syscalls';
import { InProcessReaper } from '../../main/reaper/in-process';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';
import { grownMost, readAvailable, readPerCpuLists } from '../support/per-cpu-lists';

const MiB = 1024 * 1024;
const PAGE = 4096;
const KILL_CAP_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recovery {
  /** ms from the kill until MemAvailable + per-CPU lists recovered 90 % of the victim (null: not within the cap). */
  withPcpMs: number | null;
  /** Same, MemAvailable alone. */
  memAvailableMs: number | null;
  /** Recovered bytes (MemAvailable + per-CPU lists) when the clock stopped. */
  recoveredMiB: number;
}

/** Poll every 5 ms until both clocks reach 90 % of `victimBytes`, or the cap passes. */
async function measureRecovery(before: ReturnType<typeof readAvailable>, victimBytes: number, t0: number, capMs: number): Promise<Recovery> {
  const goal = 0.9 * victimBytes;
  let withPcpMs: number | null = null;
  let memAvailableMs: number | null = null;
  let last = before;
  for (;;) {
    const now = readAvailable();
    const elapsed = performance.now() - t0;
    last = now;
    if (withPcpMs === null && now.withPcp - before.withPcp >= goal) withPcpMs = elapsed;
    if (memAvailableMs === null && now.memAvailable - before.memAvailable >= goal) memAvailableMs = elapsed;
    if ((withPcpMs !== null && memAvailableMs !== null) || elapsed > capMs) break;
    await sleep(5);
  }
  return { withPcpMs, memAvailableMs, recoveredMiB: Math.round((last.withPcp - before.withPcp) / MiB) };
}

async function victim(mib: number, wrap: string[]): Promise<{ hog: Hog; bytes: number; startTime: number }> {
  const hog = startHog({ mib, wrap, lifetimeSec: 300 });
  await hog.ready;
  // Let the allocation settle so MemAvailable is not still moving when the clock starts.
  await sleep(1500);
  return { hog, bytes: readStatus(hog.pid)!.rssAnonBytes, startTime: readStat(hog.pid)!.startTime };
}

/** What a run does to the victim once it is ready: kill alone, or Headroom's reap. */
type Contention = () => Promise<() => void>;

const noContention: Contention = async () => () => {};

/** Two nice −10 busy loops on CPU 1, started once the victim is ready (it could not allocate under them). */
const twoSpinners: Contention = async () => {
  const spin: ChildProcess[] = [0, 1].map(() => spawn('taskset', ['-c', '1', 'nice', '-n', '-10', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
  await sleep(1000);
  return () => {
    for (const s of spin) if (s.pid) process.kill(s.pid, 'SIGKILL');
  };
};

/** kill -9 alone; if it has not exited at the cap, finish it with process_mrelease so the next run starts clean. */
async function killAlone(mib: number, wrap: string[], contention: Contention) {
  const v = await victim(mib, wrap);
  const pidfd = pidfdOpen(v.hog.pid);
  const stop = await contention();
  try {
    const before = readAvailable();
    const t0 = performance.now();
    process.kill(v.hog.pid, 'SIGKILL');
    const recovery = await measureRecovery(before, v.bytes, t0, KILL_CAP_MS);
    return { victimMiB: Math.round(v.bytes / MiB), ...recovery };
  } finally {
    stop();
    try {
      processMrelease(pidfd);
    } catch {
      // ESRCH: it had exited.
    }
    closeFd(pidfd);
    await v.hog.exited;
  }
}

async function headroomReap(mib: number, wrap: string[], contention: Contention, reaper: InProcessReaper) {
  const v = await victim(mib, wrap);
  const stop = await contention();
  try {
    const before = readAvailable();
    const listsBefore = readPerCpuLists();
    const t0 = performance.now();
    // On the reap worker thread, as the app does it, so this thread can watch memory come back meanwhile.
    let callMs = 0;
    const reaping = reaper.reap({ targets: [{ pid: v.hog.pid, startTime: v.startTime }], mode: 'kill', force: false }, [], 5000).then((results) => {
      callMs = performance.now() - t0;
      return results;
    });
    const recovery = await measureRecovery(before, v.bytes, t0, KILL_CAP_MS);
    const [result] = await reaping;
    // Where the freed pages went: a release on the CPU the victim allocated on keeps most of them on its list.
    const kept = grownMost(listsBefore, readPerCpuLists());
    const lists = { listCpu: kept.cpu, keptOnListMiB: Math.round((kept.pages * PAGE) / MiB), listHighMiB: listsBefore.high.map((h) => Math.round((h * PAGE) / MiB)) };
    return { victimMiB: Math.round(v.bytes / MiB), method: result!.method, reapCallMs: round(callMs), mreleaseMs: round(result!.mreleaseMs), goneMs: round(result!.goneMs), ...recovery, ...lists };
  } finally {
    stop();
    await v.hog.exited;
  }
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}

function ratio(baseline: number | null, ours: number | null, cap: number): string {
  if (ours === null) return 'n/a (Headroom did not recover within the cap)';
  if (baseline === null) return `> ${Math.round(cap / ours)}× (kill alone: not recovered within ${cap / 1000} s)`;
  return `${(baseline / ours).toFixed(1)}×`;
}

async function contended(mib: number, reaper: InProcessReaper) {
  const wrap = ['taskset', '-c', '1', 'nice', '-n', '19'];
  const kill = await killAlone(mib, wrap, twoSpinners);
  const reap = await headroomReap(mib, wrap, twoSpinners, reaper);
  return { case: `${mib} MiB, nice 19 on CPU 1 with two nice −10 spinners`, kill, reap, speedup: ratio(kill.withPcpMs, reap.withPcpMs, KILL_CAP_MS), speedupMemAvailableOnly: ratio(kill.memAvailableMs, reap.memAvailableMs, KILL_CAP_MS) };
}

async function uncontended(mib: number, reaper: InProcessReaper) {
  const kill = await killAlone(mib, [], noContention);
  const reap = await headroomReap(mib, [], noContention, reaper);
  return { case: `${mib} MiB, uncontended`, kill, reap, speedup: ratio(kill.withPcpMs, reap.withPcpMs, KILL_CAP_MS), speedupMemAvailableOnly: ratio(kill.memAvailableMs, reap.memAvailableMs, KILL_CAP_MS) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Round trip of one reap request through the helper process vs the same reap called directly. */
async function helperOverhead(rounds = 15) {
  const helper = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'native', 'helper', 'main.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const sleepers: ChildProcess[] = [];
  try {
    let buffered = '';
    const waiting: ((line: string) => void)[] = [];
    helper.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        waiting.shift()?.(line);
      }
    });
    const ask = (body: object) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        helper.stdin!.write(JSON.stringify(body) + '\n');
      });
    await ask({ id: 0, op: 'hello' });
    const start = async () => {
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      sleepers.push(child);
      await sleep(30);
      return { pid: child.pid!, startTime: readStat(child.pid!)!.startTime };
    };
    const direct: number[] = [];
    const viaHelper: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = await start();
      let t0 = performance.now();
      reapTargets({ targets: [a], mode: 'kill', force: false }, { via: 'in-process' });
      direct.push(performance.now() - t0);
      const b = await start();
      t0 = performance.now();
      const reply = JSON.parse(await ask({ id: i + 1, op: 'reap', targets: [b] }));
      viaHelper.push(performance.now() - t0);
      if (!reply.ok || !reply.results[0].ok) throw new Error(`helper reap failed: ${JSON.stringify(reply)}`);
    }
    const d = median(direct);
    const h = median(viaHelper);
    return { rounds, directMedianMs: round(d), helperMedianMs: round(h), overheadMs: round(h - d), ratio: `${(h / d).toFixed(1)}×` };
  } finally {
    for (const s of sleepers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    helper.stdin!.end();
  }
}

const PARTS = ['contended', 'uncontended', 'helper'] as const;
type Part = (typeof PARTS)[number];

/** The measurements (all three by default); returns them for the runner to print. */
export async function benchReap(parts: readonly Part[] = PARTS) {
  const reaper = new InProcessReaper();
  // As in the app, the worker is loaded before anyone reaps.
  await reaper.warm();
  try {
    const result: Record<string, unknown> = { machine: `${process.arch}, ${readFileSync('/proc/sys/kernel/osrelease', 'latin1').trim()}`, date: new Date().toISOString(), loadavg: readFileSync('/proc/loadavg', 'latin1').trim() };
    if (parts.includes('contended')) result.contended = await contended(1024, reaper);
    if (parts.includes('uncontended')) result.uncontended = await uncontended(2048, reaper);
    if (parts.includes('helper')) result.helperOverhead = await helperOverhead();
    return result;
  } finally {
    await reaper.close();
    await stopAllHogs();
  }
}

// Run directly: `npx tsx test/bench/reap.ts [contended|uncontended|helper]…` (not when run.ts imports it).
if (/[\\/]test[\\/]bench[\\/]reap\.[jt]s$/.test(process.argv[1] ?? '')) {
  const asked = process.argv.slice(2).filter((a): a is Part => (PARTS as readonly string[]).includes(a));
  benchReap(asked.length ? asked : PARTS).then(
    (result) => process.stdout.write(JSON.stringify(result, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`bench reap: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
