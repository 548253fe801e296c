/**
 * The trigger wait on the real kernel: the window is chosen by trying (refusals fall back to the
 * next, all refused → poll mode with the reason), a missing PSI file says the guard cannot work, and
 * an app group removed while its trigger is armed is dropped quietly (POLLERR), the wait going on.
 * The wait runs on a libuv pool thread with no timeout: groups set while it waits are armed at once
 * through its eventfd (real pressure then fires them), it never wakes while nothing happens, the
 * waiting thread gets nice −10 where allowed, and stop() ends it and closes every fd.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cgroup2Mount } from '../../native/cgroup';
import { startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { openPsiTrigger, TriggerRefused } from '../../native/psi-trigger';
import { TriggerWatch, type TriggerCallbacks } from '../../main/guard/trigger-watch';

type Mode = Parameters<TriggerCallbacks['mode']>[0];
const watches: TriggerWatch[] = [];
const groups: string[] = [];

let pressure: MemoryPressure | null = null;
let workDir = '';

afterEach(async () => {
  for (const w of watches.splice(0)) w.stop();
  await pressure?.stop();
  pressure = null;
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = '';
  for (const g of groups.splice(0)) {
    try {
      rmdirSync(g);
    } catch {
      // already removed by the test
    }
  }
});

function watch(options: ConstructorParameters<typeof TriggerWatch>[0]) {
  const seen = { modes: [] as Mode[], gone: [] as string[], failed: [] as string[], fired: [] as string[] };
  let onMode: () => void = () => {};
  let onGone: () => void = () => {};
  const w = new TriggerWatch(options, {
    mode: (m) => (seen.modes.push(m), onMode()),
    fired: (source) => seen.fired.push(source),
    gone: (cgroup) => (seen.gone.push(cgroup), onGone()),
    failed: (message) => seen.failed.push(message),
  });
  watches.push(w);
  w.start();
  const until = (what: string, ok: () => boolean, set: (f: () => void) => void, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms: ${JSON.stringify(seen)}`)), ms);
      const check = () => ok() && (clearTimeout(timer), resolve());
      set(check);
      check();
    });
  return {
    w,
    seen,
    mode: () => until('mode', () => seen.modes.length > 0, (f) => (onMode = f), 15_000).then(() => seen.modes[0]!),
    gone: () => until('gone', () => seen.gone.length > 0, (f) => (onGone = f), 15_000),
  };
}

/** The pool threads of this process blocked in poll(2) (syscall 7), by TID. */
function threadsInPoll(): number[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/syscall`, 'latin1').startsWith('7 ');
    } catch {
      return false;
    }
  }).map(Number);
}
const taskField = (tid: number, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/self/task/${tid}/status`, 'latin1'))![1]);
const taskNice = (tid: number): number => {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('the trigger wait without a thread of its own', () => {
  it('waits on one pool thread without waking while nothing happens, at nice −10 where allowed, and stop() ends it and closes its fds', async () => {
    const fdsBefore = openFds();
    const pollingBefore = new Set(threadsInPoll());
    // A threshold of the whole window: no real pressure on this machine reaches it, so nothing may fire.
    const t = watch({ stallShare: 1, windowsMs: [2000] });
    const mode = await t.mode();
    expect(mode).toMatchObject({ mode: 'trigger', windowMs: 2000 });
    const waiters = threadsInPoll().filter((tid) => !pollingBefore.has(tid));
    expect(waiters).toHaveLength(1);
    const waiter = waiters[0]!;
    expect(waiter).not.toBe(process.pid);
    // Nice −10 is allowed for root / CAP_SYS_NICE; anyone else is told why not.
    if (mode.nice === null) expect(taskNice(waiter)).toBe(-10);
    else expect(mode.nice).toBe('EACCES');
    // The eventfd and the system trigger are open while it waits.
    expect(openFds()).toBe(fdsBefore + 2);
    const switches = taskField(waiter, 'voluntary_ctxt_switches') + taskField(waiter, 'nonvoluntary_ctxt_switches');
    await new Promise((r) => setTimeout(r, 2500));
    // Still the first poll, not one wake-up in 2.5 s (the old thread woke every 200 ms). This runs
    // first in the file: a child of an earlier test ending would interrupt it (SIGCHLD → EINTR → a new wait).
    expect(t.w.waits).toBe(1);
    expect(threadsInPoll()).toContain(waiter);
    expect(taskField(waiter, 'voluntary_ctxt_switches') + taskField(waiter, 'nonvoluntary_ctxt_switches')).toBe(switches);
    expect(t.seen.fired).toEqual([]);
    t.w.stop();
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (threadsInPoll().includes(waiter) || openFds() !== fdsBefore)) await new Promise((r) => setTimeout(r, 10));
    expect(threadsInPoll()).not.toContain(waiter);
    expect(openFds()).toBe(fdsBefore);
    expect(t.seen.failed).toEqual([]);
  });

  it('arms a group set while the wait is in progress at once (the eventfd wakes it), and drops it again', async () => {
    const mount = cgroup2Mount();
    if (!mount) throw new Error('no cgroup v2 mount here');
    const path = `/app-hrwake-${process.pid}.scope`;
    mkdirSync(join(mount, path));
    groups.push(join(mount, path));
    const t = watch({ stallShare: 1, windowsMs: [2000], cgroupMount: mount });
    await t.mode();
    const fds = openFds();
    const armedAt = Date.now();
    t.w.setGroups([path]);
    // No timeout in the wait: only the wake fd can make it take the group.
    while (openFds() === fds && Date.now() - armedAt < 2000) await new Promise((r) => setTimeout(r, 5));
    expect(openFds()).toBe(fds + 1);
    expect(Date.now() - armedAt).toBeLessThan(500);
    t.w.setGroups([]);
    const droppedAt = Date.now();
    while (openFds() !== fds && Date.now() - droppedAt < 2000) await new Promise((r) => setTimeout(r, 5));
    expect(openFds()).toBe(fds);
    expect(t.seen.failed).toEqual([]);
  });
});

describe('PSI trigger windows and fallbacks', () => {
  it('the kernel refuses windows outside 0.5–10 s with EINVAL (the refusal the fallback relies on)', () => {
    expect(() => openPsiTrigger('/proc/pressure/memory', 'some', 10_000, 100_000)).toThrow(TriggerRefused);
    expect(() => openPsiTrigger('/proc/pressure/memory', 'some', 10_000, 20_000_000)).toThrow(
      /refused the PSI trigger 'some 10000 20000000' on \/proc\/pressure\/memory \(EINVAL\)/,
    );
  });

  it('takes the first window the kernel accepts and says which', async () => {
    const t = watch({ stallShare: 0.05, windowsMs: [100, 2000] });
    const mode = await t.mode();
    expect(mode).toMatchObject({ mode: 'trigger', windowMs: 2000 });
    expect(mode.note).toBe('PSI triggers, 2 s window, waking at 100 ms stalled (100 ms: EINVAL refused: shorter windows need CAP_SYS_RESOURCE)');
  });

  it('falls back to polling the PSI file when every window is refused, with the reasons', async () => {
    const t = watch({ stallShare: 0.05, windowsMs: [100, 20_000], pollMs: 400 });
    const mode = await t.mode();
    expect(mode).toMatchObject({ mode: 'poll', windowMs: 400 });
    expect(mode.note).toMatch(/PSI triggers refused \(100 ms: EINVAL, 20 s: EINVAL\); reading \/proc\/pressure\/memory every 400 ms/);
    expect(t.seen.failed).toEqual([]);
  });

  it('says plainly that it cannot work when there is no PSI file', async () => {
    const t = watch({ stallShare: 0.05, systemPath: '/nonexistent/pressure/memory', windowsMs: [2000] });
    const mode = await t.mode();
    expect(mode).toMatchObject({ mode: 'unavailable', windowMs: null });
    expect(mode.note).toMatch(/No memory pressure information: \/nonexistent\/pressure\/memory cannot be read/);
  });

  it('drops an app group whose cgroup is removed while its trigger is armed, and keeps going', async () => {
    const mount = cgroup2Mount();
    if (!mount) throw new Error('no cgroup v2 mount here: per-app triggers cannot be tested');
    const path = `/app-hrvanish-${process.pid}.scope`;
    const keep = `/app-hrkeep-${process.pid}.scope`;
    for (const p of [path, keep]) {
      mkdirSync(join(mount, p));
      groups.push(join(mount, p));
    }
    const t = watch({ stallShare: 0.05, windowsMs: [2000], cgroupMount: mount });
    expect(await t.mode()).toMatchObject({ mode: 'trigger' });
    t.w.setGroups([path, keep, '/app-never-there-1.scope']);
    await new Promise((r) => setTimeout(r, 500));
    rmdirSync(join(mount, path));
    await t.gone();
    expect(t.seen.gone).toEqual([path]);
    // Still alive and answering: a new set of groups is taken without error.
    t.w.setGroups([keep]);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.seen.failed).toEqual([]);
  });

  it('fires on real pressure: POLLPRI from the system file and from the thrasher\'s own group; poll mode fires too', async () => {
    const mount = cgroup2Mount();
    if (!mount) throw new Error('no cgroup v2 mount here');
    workDir = mkdtempSync(join(tmpdir(), 'headroom-trigger-'));
    pressure = startMemoryPressure({ workDir, appScope: 'hrdrill', readers: 4, limitMiB: 100, fileMiB: 400, lifetimeSec: 90 });
    await pressure.ready;
    const group = pressure.appGroup!.slice(mount.length);
    const triggers = watch({ stallShare: 0.005, windowsMs: [2000], cgroupMount: mount });
    const polling = watch({ stallShare: 0.005, windowsMs: [100], pollMs: 300 });
    expect(await triggers.mode()).toMatchObject({ mode: 'trigger' });
    expect(await polling.mode()).toMatchObject({ mode: 'poll' });
    triggers.w.setGroups([group]);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(triggers.seen.fired.includes('system') && triggers.seen.fired.includes(group) && polling.seen.fired.includes('system'))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(new Set(triggers.seen.fired)).toEqual(new Set(['system', group]));
    expect(polling.seen.fired).toContain('system');
    expect(triggers.seen.failed).toEqual([]);
  }, 90_000);
});

