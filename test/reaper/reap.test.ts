/**
 * The reap algorithm against the real kernel: real hogs, real pidfds, real process_mrelease.
 * Every process killed here was started by this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ReapResultSchema, type ReapRequest } from '../../contract/reap';
import { parseStat, readStat } from '../../native/proc';
import { reapTargets, type ReapContext } from '../../native/reap';
import { startHog, stopAllHogs } from '../support/hogs';

const MiB = 1024 * 1024;
const context: ReapContext = { via: 'in-process' };
const children = new Set<ChildProcess>();

function request(targets: ReapRequest['targets'], extra: Partial<ReapRequest> = {}): ReapRequest {
  return { targets, mode: 'kill', force: false, ...extra };
}

function startTimeOf(pid: number): number {
  const stat = readStat(pid);
  if (!stat) throw new Error(`PID ${pid} is gone`);
  return stat.startTime;
}

/** A small child that is not a hog (for refusals and SIGTERM); killed by PID in afterEach. */
async function startChild(code: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

/** Running and not a zombie. */
function isAlive(pid: number): boolean {
  const state = readStatState(pid);
  return state !== null && state !== 'Z';
}

function readStatState(pid: number): string | null {
  try {
    const text = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'latin1') as string;
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await stopAllHogs();
});

describe('parseStat', () => {
  it('splits after the last ")" so a comm with spaces and parentheses cannot shift the fields', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[4 - 3] = '77'; // ppid
    fields[9 - 3] = String(0x00200000); // PF_KTHREAD
    fields[22 - 3] = '123456'; // starttime
    const stat = parseStat(42, `42 (evil) (name) 9 9) ${fields.join(' ')}`);
    expect(stat).toEqual({ pid: 42, comm: 'evil) (name) 9 9', ppid: 77, kernelThread: true, startTime: 123456 });
    expect(parseStat(42, 'garbage')).toBeNull();
  });
});

describe('reapTargets (in-process, real kernel)', () => {
  it('reaps a 512 MiB hog with process_mrelease and reports ≥ 400 MiB freed', async () => {
    const hog = startHog({ mib: 512 });
    await hog.ready;
    const [result] = reapTargets(request([{ pid: hog.pid, startTime: startTimeOf(hog.pid) }]), context);
    expect(ReapResultSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ pid: hog.pid, name: 'node', ok: true, method: 'mrelease', via: 'in-process' });
    expect(result!.freedBytes).toBeGreaterThanOrEqual(400 * MiB);
    expect(result!.mreleaseMs).not.toBeNull();
    expect(result!.goneMs).not.toBeNull();
    // The memory is back no later than the exit on the pidfd, and never before the call began.
    expect(result!.memoryBackMs).not.toBeNull();
    expect(result!.memoryBackMs!).toBeLessThanOrEqual(result!.goneMs!);
    expect(result!.time).toBeGreaterThan(Date.now() - 60_000);
    await hog.exited;
    expect(hog.alive()).toBe(false);
  });

  it('sends nothing when the start time is stale, and the hog lives on', async () => {
    const hog = startHog({ mib: 16 });
    await hog.ready;
    const [result] = reapTargets(request([{ pid: hog.pid, startTime: startTimeOf(hog.pid) - 1 }]), context);
    expect(result).toMatchObject({ ok: false, method: null, time: 0, error: { code: 'CHANGED' } });
    expect(result!.error!.message).toMatch(/nothing was sent/);
    // Not named after what holds the PID now (for a reused PID, another program).
    expect(result!.name).toBe('');
    await new Promise((r) => setTimeout(r, 300));
    expect(hog.alive()).toBe(true);
    expect(readStatState(hog.pid)).not.toBe('Z');
  });

  it('says CHANGED for a pid that does not exist', () => {
    const [result] = reapTargets(request([{ pid: 4_000_000, startTime: 1 }]), context);
    expect(result!.error!.code).toBe('CHANGED');
  });

  it('refuses PID 1, a kernel thread, itself and its parent', () => {
    const kthread = Number(require('node:fs').readFileSync('/proc/2/task/2/children', 'latin1').trim().split(' ')[0]);
    const targets = [
      { pid: 1, startTime: startTimeOf(1) },
      { pid: 2, startTime: startTimeOf(2) },
      { pid: kthread, startTime: startTimeOf(kthread) },
      { pid: process.pid, startTime: startTimeOf(process.pid) },
      { pid: process.ppid, startTime: startTimeOf(process.ppid) },
    ];
    const results = reapTargets(request(targets, { force: true }), context);
    expect(results.map((r) => r.error?.code)).toEqual(['PROTECTED', 'PROTECTED', 'PROTECTED', 'PROTECTED', 'PROTECTED']);
    expect(results.every((r) => r.method === null && !r.ok)).toBe(true);
    expect(isAlive(process.ppid)).toBe(true);
  });

  it('refuses a thread id as not a process (pidfd_open gives ENOENT or EINVAL), sending nothing', async () => {
    const child = await startChild(
      'const { Worker } = require("node:worker_threads"); new Worker("setInterval(() => {}, 1000)", { eval: true }).on("online", () => process.stdout.write("up\\n")); setInterval(() => {}, 1000)',
    );
    const pid = child.pid!;
    const tids = require('node:fs').readdirSync(`/proc/${pid}/task`).map(Number).filter((t: number) => t !== pid);
    expect(tids.length).toBeGreaterThan(0);
    const tid = tids[0]!;
    const result = reapTargets(request([{ pid: tid, startTime: startTimeOf(tid) }], { force: true }), context)[0]!;
    expect(result.ok).toBe(false);
    expect(result.method).toBeNull();
    expect(result.error?.code).toBe('CHANGED');
    expect(result.error?.message).toMatch(new RegExp(`PID ${tid} is a thread of another process, not a process \\(pidfd_open: (ENOENT|EINVAL)\\); nothing was sent`));
    expect(isAlive(pid)).toBe(true);
  });

  it('refuses a session-critical name unless forced', async () => {
    const child = await startChild('process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    const target = { pid: child.pid!, startTime: startTimeOf(child.pid!) };
    const refusedResult = reapTargets(request([target]), { ...context, sessionCritical: ['node'] })[0]!;
    expect(refusedResult.error?.code).toBe('SESSION_CRITICAL');
    expect(readStatState(child.pid!)).not.toBeNull();
    const forced = reapTargets(request([target], { force: true }), { ...context, sessionCritical: ['node'] })[0]!;
    expect(forced).toMatchObject({ ok: true, method: 'mrelease' });
  });

  it('refuses a session-critical name longer than the kernel keeps: the name as comm cuts it (15 bytes) is what matches', async () => {
    // The person writes the program's full name; the kernel's comm is its first 15 bytes.
    const child = await startChild('process.title = "headroom-critical-long-name"; process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    expect(readStat(child.pid!)!.comm).toBe('headroom-critic');
    const target = { pid: child.pid!, startTime: startTimeOf(child.pid!) };
    const refused = reapTargets(request([target]), { ...context, sessionCritical: ['headroom-critical-long-name'] })[0]!;
    expect(refused.error?.code).toBe('SESSION_CRITICAL');
    expect(isAlive(child.pid!)).toBe(true);
    // A name that only starts like it is another program.
    const other = reapTargets(request([target]), { ...context, sessionCritical: ['headroom-crit'] })[0]!;
    expect(other).toMatchObject({ ok: true, method: 'mrelease' });
  });

  it('refuses a session-critical name with non-ASCII letters, whole or cut inside a letter by the kernel (15 bytes)', async () => {
    const whole = await startChild('process.title = "café-daemon"; process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    // 'ö' is two bytes: the kernel keeps 7 of them and the first byte of the 8th.
    const cut = await startChild('process.title = "öööööööööö"; process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    expect(readStat(whole.pid!)!.comm).toBe('café-daemon');
    expect(readStat(cut.pid!)!.comm).toBe('ööööööö\ufffd');
    for (const [child, name] of [[whole, 'café-daemon'], [cut, 'öööööööööö']] as const) {
      const target = { pid: child.pid!, startTime: startTimeOf(child.pid!) };
      const refused = reapTargets(request([target]), { ...context, sessionCritical: [name] })[0]!;
      expect(refused.error?.code, name).toBe('SESSION_CRITICAL');
      expect(isAlive(child.pid!)).toBe(true);
    }
  });

  it('ends with SIGTERM when the process honours it (method term)', async () => {
    const child = await startChild('process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    const [result] = reapTargets(request([{ pid: child.pid!, startTime: startTimeOf(child.pid!) }], { mode: 'end' }), { ...context, endGraceMs: 5000 });
    expect(result).toMatchObject({ ok: true, method: 'term' });
    expect(result!.mreleaseMs).toBeNull();
  });

  it('reaps after the grace period when SIGTERM is ignored', async () => {
    const child = await startChild('process.on("SIGTERM", () => {}); process.stdout.write("up\\n"); setInterval(() => {}, 1000)');
    const [result] = reapTargets(request([{ pid: child.pid!, startTime: startTimeOf(child.pid!) }], { mode: 'end' }), { ...context, endGraceMs: 300 });
    expect(result).toMatchObject({ ok: true, method: 'mrelease' });
    expect(result!.goneMs).not.toBeNull();
  });

  it('handles a pid listed twice once', async () => {
    const hog = startHog({ mib: 8 });
    await hog.ready;
    const target = { pid: hog.pid, startTime: startTimeOf(hog.pid) };
    const results = reapTargets(request([target, target]), context);
    expect(results[0]).toMatchObject({ ok: true, method: 'mrelease' });
    expect(results[1]!.error?.code).toBe('BAD_REQUEST');
  });
});
