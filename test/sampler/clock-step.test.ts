// The sampler schedules on a monotonic clock (main/sampler/sampler.ts): a step of the wall clock
// (NTP, `date -s`, a resume) moves snapshot.time and nothing else. Here Date.now() is stepped back
// an hour between two ticks, the way such a step reaches the code, and real children show that
// due reads still come when due and rates still come out. On the real /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSampler, type Sampler } from '../../main/sampler/sampler';
import { startHog, stopAllHogs } from '../support/hogs';

const HOUR = 3_600_000;
const children: ChildProcess[] = [];
const samplers: Sampler[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of samplers.splice(0)) s.close();
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGKILL');
    await exited;
  }
  await stopAllHogs();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Date.now() from here on reads `offsetMs` away from the real wall clock. */
function stepWallClock(offsetMs: number): void {
  const real = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => real() + offsetMs);
}

describe('a step of the wall clock', () => {
  it('does not postpone a due stat read: a stopped process shows as stopped within statRefreshMs × 1.5', async () => {
    const c = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(c);
    const s = createSampler({ statRefreshMs: 200 });
    samplers.push(s);
    await sleep(100);
    const before = s.sample();
    expect(before.processes.find((p) => p.pid === c.pid)?.state).toBe('S');
    stepWallClock(-HOUR);
    // Stopped, its RSS does not move: only the periodic stat read (due within 300 ms) shows it.
    process.kill(c.pid!, 'SIGSTOP');
    let state = '';
    let time = 0;
    for (let i = 0; i < 10 && state !== 'T'; i++) {
      await sleep(100);
      const snap = s.sample();
      state = snap.processes.find((p) => p.pid === c.pid)?.state ?? '';
      time = snap.time;
    }
    expect(state).toBe('T');
    // The snapshot still carries the wall clock, stepped back.
    expect(time).toBeLessThan(before.time - HOUR + 60_000);
  });

  it('keeps growth and vmstat rates across the step', async () => {
    // Grows 64 MiB a second for 4 s (bounded: 256 MiB, 60 s).
    const hog = startHog({ mib: 256, rateMiBps: 64, lifetimeSec: 60 });
    const s = createSampler();
    samplers.push(s);
    await sleep(300);
    s.sample();
    await sleep(300);
    s.sample();
    stepWallClock(-HOUR);
    const growth: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const snap = s.sample();
      growth.push(snap.processes.find((p) => p.pid === hog.pid)?.growthBytesPerSec ?? 0);
      expect(snap.memory.rates.majorFaultsPerSec).not.toBeNull();
    }
    // Every tick after the step shows it growing (tens of MiB a second), none 0.
    for (const g of growth) expect(g).toBeGreaterThan(16 * 1024 * 1024);
  });
});
