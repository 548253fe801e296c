/**
 * The guard's trigger thread: the only place Headroom blocks on PSI. It arms a trigger on the system
 * memory pressure file and one per app group (cgroup v2 `memory.pressure`), then loops on poll(2)
 * for POLLPRI with a short timeout, so it can take new groups and a stop between waits. Never on the
 * main thread and never inside the sampler's tick: a wake-up is a message, and the guard asks the
 * sampler for a tick at once.
 *
 * Window: the candidates are tried in order on the system file (sub-second first: those work where the
 * opener has CAP_SYS_RESOURCE; 2 s multiples otherwise); EINVAL/EPERM/EACCES → the next. When every
 * one is refused, poll mode: the system file's `some` total is read every pollMs and a "fire" is a
 * stall share at or above the threshold over that interval. No PSI at all → `unavailable`.
 * A group whose trigger reports POLLERR/POLLNVAL (removed) is closed and dropped quietly.
 *
 * The thread raises its own priority where allowed (nice −10; EACCES for ordinary users) and keeps
 * one preallocated pollfd array, so a wake-up under heavy reclaim allocates nothing.
 */
import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openPsiTrigger, PollSet, POLLERR, POLLNVAL, POLLPRI, TriggerRefused } from '../../native/psi-trigger';
import { REAPER_NICE, setThreadNice } from '../../native/priority';
import type { FromTriggerWorker, ToTriggerWorker, TriggerWorkerData } from './trigger-messages';

if (!parentPort) throw new Error('main/guard/trigger-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as TriggerWorkerData;
const MAX_FDS = 129;
const WAIT_MS = 200;
const SOME_TOTAL = /^some .*total=(\d+)/m;

const post = (message: FromTriggerWorker): void => port.postMessage(message);
const niceError = data.raisePriority ? setThreadNice(REAPER_NICE) : 'not asked';
const pollSet = new PollSet(MAX_FDS);
const groups = new Map<string, number>();
let systemFd: number | null = null;
let windowMs = 0;
let stopped = false;

function stallUs(windowUs: number): number {
  return Math.max(1000, Math.round(windowUs * data.stallShare));
}

/** Try the windows in order; the first accepted one is the guard's window. */
function armSystem(): void {
  const refusals: string[] = [];
  for (const candidate of data.windowsMs) {
    try {
      systemFd = openPsiTrigger(data.systemPath, 'some', stallUs(candidate * 1000), candidate * 1000);
      windowMs = candidate;
      const slower = refusals.length > 0 ? ` (${refusals.join(', ')} refused: shorter windows need CAP_SYS_RESOURCE)` : '';
      const wake = formatMs(Math.round(stallUs(windowMs * 1000) / 1000));
      post({ type: 'mode', mode: 'trigger', windowMs, note: `PSI triggers, ${formatMs(windowMs)} window, waking at ${wake} stalled${slower}`, nice: niceError });
      return;
    } catch (err) {
      if (!(err instanceof TriggerRefused)) throw err;
      refusals.push(`${formatMs(candidate)}: ${err.code}`);
      // A missing file or no PSI support: no other window will do better.
      if (err.code === 'ENOENT' || err.code === 'EOPNOTSUPP') break;
    }
  }
  const readable = readSomeTotal() !== null;
  post(
    readable
      ? { type: 'mode', mode: 'poll', windowMs: data.pollMs, note: `PSI triggers refused (${refusals.join(', ') || 'no window to try'}); reading ${data.systemPath} every ${formatMs(data.pollMs)}`, nice: niceError }
      : { type: 'mode', mode: 'unavailable', windowMs: null, note: `No memory pressure information: ${data.systemPath} cannot be read (the kernel lacks PSI or was booted with psi=0)`, nice: niceError },
  );
  if (!readable) stopped = true;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function readSomeTotal(): number | null {
  try {
    const m = SOME_TOTAL.exec(readFileSync(data.systemPath, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Arm triggers on new groups and drop those no longer asked for. Failures are skipped quietly. */
function setGroups(paths: readonly string[]): void {
  if (systemFd === null || !data.cgroupMount) return;
  const wanted = new Set(paths.slice(0, MAX_FDS - 1));
  for (const [path, fd] of groups) {
    if (!wanted.has(path)) {
      closeSync(fd);
      groups.delete(path);
    }
  }
  for (const path of wanted) {
    if (groups.has(path)) continue;
    try {
      groups.set(path, openPsiTrigger(join(data.cgroupMount, path, 'memory.pressure'), 'some', stallUs(windowMs * 1000), windowMs * 1000));
    } catch {
      // The group left between the snapshot and now, or has no memory.pressure: nothing to watch.
    }
  }
  refreshPollSet();
}

let order: Array<string | null> = [];
function refreshPollSet(): void {
  order = [null, ...groups.keys()];
  pollSet.set([systemFd!, ...groups.values()]);
}

function waitTriggers(): void {
  if (pollSet.wait(WAIT_MS) === 0) return;
  const now = Date.now();
  let changed = false;
  order.forEach((source, i) => {
    const revents = pollSet.revents(i);
    if (revents === 0) return;
    if (source !== null && (revents & (POLLERR | POLLNVAL)) !== 0) {
      // The group was removed: its trigger is dead; say so once, and stop watching it.
      closeSync(groups.get(source)!);
      groups.delete(source);
      changed = true;
      post({ type: 'gone', cgroup: source });
      return;
    }
    if ((revents & POLLPRI) !== 0) post({ type: 'fired', source: source ?? 'system', time: now });
  });
  if (changed) refreshPollSet();
}

let lastTotal: number | null = null;
let lastAt = 0;
function pollFile(): void {
  pollSet.set([]);
  pollSet.wait(data.pollMs);
  const total = readSomeTotal();
  const at = performance.now();
  if (total !== null && lastTotal !== null && at > lastAt) {
    const share = (total - lastTotal) / ((at - lastAt) * 1000);
    if (share >= data.stallShare) post({ type: 'fired', source: 'system', time: Date.now() });
  }
  lastTotal = total;
  lastAt = at;
}

port.on('message', (message: ToTriggerWorker) => {
  if (message.type === 'groups') setGroups(message.cgroups);
  else if (message.type === 'stop') {
    stopped = true;
    for (const fd of groups.values()) closeSync(fd);
    groups.clear();
    if (systemFd !== null) closeSync(systemFd);
    systemFd = null;
    port.close();
  }
});

function loop(): void {
  if (stopped) return;
  try {
    if (systemFd !== null) waitTriggers();
    else pollFile();
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    stopped = true;
    return;
  }
  // Back to the event loop between waits, so 'groups' and 'stop' messages are seen.
  setImmediate(loop);
}

armSystem();
if (systemFd !== null) refreshPollSet();
loop();
