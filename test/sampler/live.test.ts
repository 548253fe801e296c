// The sampler on the real /proc of this machine, with real children started by this test.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotSchema, type Snapshot } from '../../contract/snapshot';
import { createSampler, detectFeatures, type Sampler } from '../../main/sampler';
import { startHog, stopAllHogs, HOG_MARKER } from '../support/hogs';

const MiB = 1024 * 1024;
const PF_KTHREAD = 0x00200000;
/** A process's flags (/proc/PID/stat field 9), or 0 when it is gone. */
function flagsOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[6]);
  } catch {
    return 0;
  }
}
/** This process's fds open on files of `/proc/<pid>/` (the sampler's kept-open reads of that process). */
function fdsOnProcess(pid: number): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`/proc/${pid}/`)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}
const samplers: Sampler[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];

function sampler(options?: Parameters<typeof createSampler>[0]): Sampler {
  const s = createSampler(options);
  samplers.push(s);
  return s;
}

function sampleValid(s: Sampler): Snapshot {
  return SnapshotSchema.parse(s.sample());
}

function child(command: string, args: string[]): ChildProcess {
  const c = spawn(command, args, { stdio: 'ignore' });
  children.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await stopAllHogs();
  for (const c of children.splice(0)) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const s of samplers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('sampler on the live system', () => {
  it('produces schema-valid snapshots that include this process and no kernel threads', () => {
    const s = sampler();
    const first = sampleValid(s);
    const second = sampleValid(s);
    expect(second.seq).toBe(first.seq + 1);
    const me = second.processes.find((p) => p.pid === process.pid)!;
    expect(me).toBeDefined();
    expect(me.uid).toBe(process.getuid!());
    expect(me.ppid).toBe(process.ppid);
    const statusUid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    expect(me.uid).toBe(statusUid);
    const passwdName = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(statusUid))?.split(':')[0];
    expect(me.user).toBe(passwdName);
    const argv = readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter(Boolean).join(' ');
    expect(argv.length).toBeGreaterThan(0);
    expect(me.cmdline.slice(0, 200)).toBe(argv.slice(0, 200));
    expect(me.rssBytes).toBeGreaterThan(10 * MiB);
    expect(me.anonBytes + me.fileBytes + me.shmemBytes).toBeGreaterThan(me.rssBytes * 0.9);
    // kthreadd is there in /proc but never in the table, nor any kernel thread (PF_KTHREAD); a child
    // of kthreadd in the table is a user-mode helper the kernel started, without the flag.
    expect(readFileSync('/proc/2/stat', 'utf8')).toContain('(kthreadd)');
    expect(second.processes.some((p) => p.pid === 2)).toBe(false);
    const kthreads = readdirSync('/proc').filter((e) => /^\d+$/.test(e) && (flagsOf(Number(e)) & PF_KTHREAD) !== 0);
    expect(kthreads.length).toBeGreaterThan(0);
    expect(second.processes.filter((p) => p.ppid === 2).every((p) => (flagsOf(p.pid) & PF_KTHREAD) === 0)).toBe(true);
    expect(second.processes.some((p) => kthreads.includes(String(p.pid)))).toBe(false);
    // Every process belongs to exactly one app.
    const ids = new Set(second.apps.map((a) => a.id));
    expect(second.processes.every((p) => ids.has(p.appId))).toBe(true);
    expect(second.apps.reduce((n, a) => n + a.processCount, 0)).toBe(second.processes.length);
    // System PSI with a per-tick share from the second tick on (this kernel has PSI).
    expect(first.psi?.memory?.some.tickPct).toBeNull();
    expect(second.psi?.memory?.some.tickPct).toBeTypeOf('number');
    expect(second.memory.rates.majorFaultsPerSec).toBeTypeOf('number');
    expect(second.memory.totalBytes).toBeGreaterThan(0);
  });

  it('shows a 256 MiB hog growing while it allocates, then at ≥ 256 MiB, then not at all once killed', async () => {
    const s = sampler();
    s.sample();
    const hog = startHog({ mib: 256, rateMiBps: 64 });
    let ready = false;
    void hog.ready.then(() => {
      ready = true;
    });
    const growthWhileAllocating: number[] = [];
    while (!ready) {
      await sleep(300);
      const seen = sampleValid(s).processes.find((p) => p.pid === hog.pid);
      if (seen && !ready) growthWhileAllocating.push(seen.growthBytesPerSec);
    }
    await hog.ready;
    expect(growthWhileAllocating.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...growthWhileAllocating)).toBeGreaterThan(16 * MiB);

    const full = sampleValid(s).processes.find((p) => p.pid === hog.pid)!;
    expect(full.rssBytes).toBeGreaterThanOrEqual(256 * MiB);
    expect(full.anonBytes).toBeGreaterThanOrEqual(250 * MiB);
    expect(full.cmdline).toContain(HOG_MARKER);
    expect(full.startTime).toBeGreaterThan(0);
    // RSS is the exact figure status reports (statm, not stat's approximate per-CPU counter).
    const vmRssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${hog.pid}/status`, 'utf8'))![1]);
    expect(sampleValid(s).processes.find((p) => p.pid === hog.pid)!.rssBytes).toBe(vmRssKiB * 1024);
    expect(fdsOnProcess(hog.pid)).toBeGreaterThan(0);

    await stopAllHogs();
    expect(hog.alive()).toBe(false);
    const after = sampleValid(s);
    expect(after.processes.some((p) => p.pid === hog.pid)).toBe(false);
    expect(after.apps.some((a) => a.pids.includes(hog.pid))).toBe(false);
    // Its kept-open fds were closed with it (counted by what they point at: the total may not
    // fall, since other processes start on this machine meanwhile).
    expect(fdsOnProcess(hog.pid)).toBe(0);
  });

  it('reads a process whose name contains ") " and a zombie', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-sampler-'));
    dirs.push(dir);
    const weirdPath = join(dir, 'a) b');
    copyFileSync('/bin/sleep', weirdPath);
    chmodSync(weirdPath, 0o755);
    const weird = child(weirdPath, ['30']);
    // The shell execs a sleep that never reaps the child it inherited: that child stays a zombie.
    const zombieParent = child('/bin/sh', ['-c', 'sleep 0 & exec sleep 30']);
    await sleep(400);
    const s = sampler();
    const snap = sampleValid(s);
    const w = snap.processes.find((p) => p.pid === weird.pid)!;
    expect(w).toMatchObject({ comm: 'a) b', ppid: process.pid, state: 'S', cmdline: `${weirdPath} 30` });
    const zombie = snap.processes.find((p) => p.ppid === zombieParent.pid)!;
    expect(zombie).toMatchObject({ state: 'Z', cmdline: '', rssBytes: 0, swapBytes: 0 });
  });

  it('sees a process turn into a zombie on the next tick after it was first seen alive', async () => {
    // The shell execs a sleep that will not reap its inherited `sleep 1` child once it exits.
    const parent = child('/bin/sh', ['-c', 'sleep 1 & exec sleep 30']);
    await sleep(300);
    const s = sampler();
    const alive = sampleValid(s).processes.find((p) => p.ppid === parent.pid)!;
    expect(alive).toMatchObject({ comm: 'sleep', state: 'S', cmdline: 'sleep 1' });
    await sleep(1300);
    const dead = sampleValid(s).processes.find((p) => p.pid === alive.pid)!;
    expect(dead).toMatchObject({ state: 'Z', cmdline: '', rssBytes: 0, startTime: alive.startTime });
  });

  // Making a cgroup needs root and cgroup v2 (this machine: root, v2 at /sys/fs/cgroup/unified).
  const cgroupMount = detectFeatures().cgroupV2Mount;
  it.runIf(process.getuid!() === 0 && cgroupMount !== null)('groups a child in an app-*.scope cgroup as that app, with its own memory.pressure', async () => {
    const parentGroup = `${cgroupMount}/headroom-test-${process.pid}`;
    const scopePath = `/headroom-test-${process.pid}/app-headroom\\x2dtest\\x2dapp-42.scope`;
    const scopeDir = `${cgroupMount}${scopePath}`;
    const member = child('sleep', ['30']);
    try {
      mkdirSync(scopeDir, { recursive: true });
      writeFileSync(`${scopeDir}/cgroup.procs`, String(member.pid));
      const s = sampler();
      s.sample();
      await sleep(300);
      const snap = sampleValid(s);
      const p = snap.processes.find((x) => x.pid === member.pid)!;
      expect(p.cgroup).toBe(scopePath);
      expect(p.appId).toBe(`cg:${scopePath}`);
      const app = snap.apps.find((a) => a.id === p.appId)!;
      expect(app).toMatchObject({ kind: 'scope', name: 'headroom-test-app', cgroup: scopePath, processCount: 1, pids: [member.pid] });
      expect(app.pressure?.some.totalUs).toBeTypeOf('number');
      expect(app.pressure?.some.tickPct).toBeTypeOf('number');
      expect(app.pressure?.full).not.toBeNull();
    } finally {
      try {
        process.kill(member.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await new Promise((r) => (member.exitCode !== null || member.signalCode !== null ? r(null) : member.once('exit', r)));
      for (const dir of [scopeDir, parentGroup]) {
        // An emptied cgroup can take a moment to be removable.
        for (let i = 0; i < 50 && existsSync(dir); i++) {
          try {
            rmdirSync(dir);
          } catch {
            await sleep(20);
          }
        }
      }
    }
    expect(existsSync(parentGroup)).toBe(false);
  });

  it('gives the same table with no kept fds (open+read+close for everyone) and stays within a small budget', () => {
    const kept = sampler();
    const none = sampler({ fdBudget: 0 });
    const small = sampler({ fdBudget: 5 });
    const [a, b, c] = [kept.sample(), none.sample(), small.sample()];
    expect(none.fdsOpen).toBe(0);
    expect(small.fdsOpen).toBe(5);
    expect(kept.fdsOpen).toBeGreaterThan(a.processes.length);
    // Short-lived processes may come and go between the three reads; long-lived ones must agree.
    const pidsOf = (s: Snapshot) => new Set(s.processes.filter((p) => p.pid < process.pid).map((p) => p.pid));
    expect([...pidsOf(b)].sort()).toEqual([...pidsOf(a)].sort());
    expect([...pidsOf(c)].sort()).toEqual([...pidsOf(a)].sort());
    const second = none.sample();
    expect(second.processes.find((p) => p.pid === process.pid)).toBeDefined();
    kept.close();
    expect(kept.fdsOpen).toBe(0);
  });

  it('closes its fds: /proc/self/fd shrinks back after close()', () => {
    const count = () => readdirSync('/proc/self/fd').length;
    const before = count();
    const s = sampler();
    s.sample();
    expect(count()).toBeGreaterThan(before + 10);
    s.close();
    expect(count()).toBeLessThanOrEqual(before + 1);
  });
});
