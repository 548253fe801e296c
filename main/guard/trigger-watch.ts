/**
 * The guard's PSI triggers, without a thread of their own: the only place Headroom blocks on PSI. It
 * arms a trigger on the system memory pressure file and one per app group (cgroup v2
 * `memory.pressure`) and waits for POLLPRI with poll(2) — not on a JavaScript thread but through
 * koffi's asynchronous call (PollSet.waitAsync), which runs the poll on one of libuv's thread-pool
 * threads and hands the answer to this (main) thread's event loop. A wake-up becomes a `fired`
 * callback, and the guard asks the sampler for a tick at once (the same hop through the main thread
 * the trigger worker's message took before). Before, the wait had a worker thread of its own: a V8
 * isolate and ~6–10 MiB of RSS for a thread that only ever sleeps (docs/BENCHMARKS.md, "Footprint,
 * third pass").
 *
 * The poll set is [wake eventfd (POLLIN), system trigger, app groups…] in one preallocated pollfd
 * array, so a wake-up under heavy reclaim allocates nothing on the waiting side. The poll waits with no
 * timeout: new groups and stop() write the eventfd, the wait returns, the change is applied and the
 * wait starts again — no idle wake-ups at all. The array and the fds are never touched while the
 * kernel is reading them (changes wait for the wait's answer).
 *
 * Thread pool: the wait holds one of libuv's 4 pool threads for as long as the guard runs. Nothing
 * else in serve or the Electron main process uses the pool (sync fs on the sampler worker and the
 * recorder, no async fs, dns, zlib or crypto), so three stay free. The pool thread waiting on our
 * array is raised to nice −10 where allowed (pool-waiter.ts; the mode's `nice` says whether).
 *
 * An in-flight wait keeps the event loop alive (an async call cannot be unref'd): the guard's owner
 * must call stop() (the service and `headroom guard` do, on close).
 *
 * Window: the candidates are tried in order on the system file (sub-second first: those work where the
 * opener has CAP_SYS_RESOURCE; 2 s multiples otherwise); EINVAL/EPERM/EACCES → the next. When every
 * one is refused, poll mode (psi-poll.ts): the system file's `some` total is read every pollMs and a
 * "fire" is a stall share at or above the threshold over that interval. No PSI at all → `unavailable`.
 * A group whose trigger reports POLLERR/POLLNVAL (removed) is closed and dropped quietly.
 */
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { openPsiTrigger, PollSet, POLLERR, POLLIN, POLLNVAL, POLLPRI, TriggerRefused, WakeFd } from '../../native/psi-trigger';
import { PoolWaiterRaiser } from './pool-waiter';
import { PsiFilePoll, readSomeTotal } from './psi-poll';
import type { TriggerMode, TriggerOptions } from './trigger-messages';

/** The windows tried by default: sub-second (needs CAP_SYS_RESOURCE), then 2 s multiples. */
export const DEFAULT_WINDOWS_MS = [500, 1000, 2000, 4000];
/** Poll mode reads the system PSI file this often. */
export const DEFAULT_POLL_MS = 500;
/** The wake fd, the system trigger and up to 128 app groups. */
const MAX_FDS = 130;

/** What the trigger wait reports. */
export interface TriggerCallbacks {
  mode(message: TriggerMode): void;
  fired(source: string, time: number): void;
  gone(cgroup: string): void;
  failed(message: string): void;
}

export interface TriggerWatchOptions extends Partial<TriggerOptions> {
  stallShare: number;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A running trigger wait (see the comment at the top). */
export class TriggerWatch {
  private readonly data: TriggerOptions;
  private started = false;
  private stopped = false;
  private groupsKey = '';
  /** Groups asked for and not yet applied (applied between waits). */
  private pending: string[] | null = null;
  private pendingMount: string | null = null;
  /** The mount the armed groups' paths are under. */
  private mount: string | null = null;
  private pollSet: PollSet | null = null;
  private wake: WakeFd | null = null;
  private systemFd: number | null = null;
  private readonly groups = new Map<string, number>();
  /** The source of each poll set entry after the wake fd: null is the system file. */
  private order: Array<string | null> = [];
  private windowMs = 0;
  private poll: PsiFilePoll | null = null;
  private readonly raiser = new PoolWaiterRaiser(() => (this.stopped || !this.pollSet?.busy ? null : this.pollSet.address()));
  private modeSent = false;
  private waitsStarted = 0;

  constructor(
    options: TriggerWatchOptions,
    private readonly callbacks: TriggerCallbacks,
  ) {
    this.data = {
      systemPath: options.systemPath ?? '/proc/pressure/memory',
      cgroupMount: options.cgroupMount ?? null,
      windowsMs: options.windowsMs ?? DEFAULT_WINDOWS_MS,
      stallShare: options.stallShare,
      pollMs: options.pollMs ?? DEFAULT_POLL_MS,
      raisePriority: options.raisePriority ?? true,
    };
  }

  /** How many poll(2) waits were started: one per wake-up (a fire, new groups, EINTR), none while idle. */
  get waits(): number {
    return this.waitsStarted;
  }

  /** Arm the triggers; the first callback (asynchronous) says which mode is in force. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Asynchronously, as the trigger thread's first message was: the guard is not wired up yet.
    setImmediate(() => {
      if (this.stopped) return;
      try {
        this.armSystem();
      } catch (err) {
        this.fail(err);
      }
    });
  }

  /**
   * Watch exactly these app groups: cgroup v2 paths under the options' cgroupMount, or else under
   * `mount` (the snapshot's, as the sampler found it). Applied only when the set or the mount changed.
   */
  setGroups(cgroups: readonly string[], snapshotMount: string | null = null): void {
    const mount = this.data.cgroupMount ?? snapshotMount;
    const sorted = [...new Set(cgroups)].sort();
    const key = `${mount ?? ''}\0${sorted.join('\n')}`;
    if (key === this.groupsKey || !this.started || this.stopped) return;
    this.groupsKey = key;
    this.pending = sorted;
    this.pendingMount = mount;
    if (this.pollSet?.busy) this.wake?.wake();
  }

  /** Stop waiting and close every trigger fd (the triggers die with them). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopPoll();
    // A wait in progress still reads the fds: it is woken, and its answer closes them.
    if (this.pollSet?.busy) this.wake?.wake();
    else this.closeAll();
  }

  private stallUs(windowUs: number): number {
    return Math.max(1000, Math.round(windowUs * this.data.stallShare));
  }

  /** Try the windows in order; the first accepted one is the guard's window. */
  private armSystem(): void {
    const refusals: string[] = [];
    const nice = this.data.raisePriority ? null : 'not asked';
    for (const candidate of this.data.windowsMs) {
      try {
        this.systemFd = openPsiTrigger(this.data.systemPath, 'some', this.stallUs(candidate * 1000), candidate * 1000);
      } catch (err) {
        if (!(err instanceof TriggerRefused)) throw err;
        refusals.push(`${formatMs(candidate)}: ${err.code}`);
        // A missing file or no PSI support: no other window will do better.
        if (err.code === 'ENOENT' || err.code === 'EOPNOTSUPP') break;
        continue;
      }
      this.windowMs = candidate;
      this.wake = new WakeFd();
      this.pollSet = new PollSet(MAX_FDS);
      const slower = refusals.length > 0 ? ` (${refusals.join(', ')} refused: shorter windows need CAP_SYS_RESOURCE)` : '';
      const wake = formatMs(Math.round(this.stallUs(candidate * 1000) / 1000));
      const note = `PSI triggers, ${formatMs(candidate)} window, waking at ${wake} stalled${slower}`;
      this.applyGroups();
      this.waitLoop();
      // The mode is told once the waiting thread's priority is known (a few ms).
      if (nice !== null) this.sendMode({ mode: 'trigger', windowMs: candidate, note, nice });
      else this.raiser.raise((outcome) => this.sendMode({ mode: 'trigger', windowMs: candidate, note, nice: outcome }));
      return;
    }
    const readable = readSomeTotal(this.data.systemPath) !== null;
    const { systemPath, pollMs } = this.data;
    if (!readable) {
      this.stopped = true;
      this.sendMode({ mode: 'unavailable', windowMs: null, note: `No memory pressure information: ${systemPath} cannot be read (the kernel lacks PSI or was booted with psi=0)`, nice: nice ?? 'no waiting thread' });
      return;
    }
    this.sendMode({ mode: 'poll', windowMs: pollMs, note: `PSI triggers refused (${refusals.join(', ') || 'no window to try'}); reading ${systemPath} every ${formatMs(pollMs)}`, nice: nice ?? 'no waiting thread (read on a timer)' });
    this.poll = new PsiFilePoll(systemPath, pollMs, this.data.stallShare, (time) => this.callbacks.fired('system', time));
  }

  private sendMode(message: TriggerMode): void {
    if (this.modeSent || (this.stopped && message.mode !== 'unavailable')) return;
    this.modeSent = true;
    this.callbacks.mode(message);
  }

  /** Start the next wait on the current poll set. */
  private waitLoop(): void {
    const pollSet = this.pollSet;
    if (!pollSet || pollSet.busy) return;
    this.waitsStarted++;
    pollSet.waitAsync(-1, (err, ready) => {
      if (this.stopped) return this.closeAll();
      if (err) return this.fail(err);
      try {
        if (ready > 0) this.dispatch(pollSet);
        if (this.pending) this.applyGroups();
        this.waitLoop();
      } catch (error) {
        return this.fail(error);
      }
      if (this.data.raisePriority) this.raiser.raise(() => {});
    });
  }

  /** Turn a wait's revents into callbacks; a vanished group is dropped. */
  private dispatch(pollSet: PollSet): void {
    const now = Date.now();
    let changed = false;
    if (pollSet.revents(0) !== 0) this.wake!.drain();
    this.order.forEach((source, i) => {
      const revents = pollSet.revents(i + 1);
      if (revents === 0) return;
      if ((revents & (POLLERR | POLLNVAL)) !== 0) {
        if (source === null) throw new Error(`the system PSI trigger on ${this.data.systemPath} failed (poll revents ${revents})`);
        // The group was removed: its trigger is dead; say so once, and stop watching it.
        closeSync(this.groups.get(source)!);
        this.groups.delete(source);
        changed = true;
        this.callbacks.gone(source);
        return;
      }
      if ((revents & POLLPRI) !== 0) this.callbacks.fired(source ?? 'system', now);
    });
    if (changed) this.refreshPollSet();
  }

  /** Arm triggers on new groups and drop those no longer asked for. Failures are skipped quietly. */
  private applyGroups(): void {
    const paths = this.pending;
    this.pending = null;
    if (paths && this.systemFd !== null) {
      const mount = this.pendingMount;
      const wanted = new Set(mount ? paths.slice(0, MAX_FDS - 2) : []);
      for (const [path, fd] of this.groups) {
        if (!wanted.has(path) || mount !== this.mount) {
          closeSync(fd);
          this.groups.delete(path);
        }
      }
      this.mount = mount;
      const stallUs = this.stallUs(this.windowMs * 1000);
      for (const path of wanted) {
        if (this.groups.has(path)) continue;
        try {
          this.groups.set(path, openPsiTrigger(join(mount!, path, 'memory.pressure'), 'some', stallUs, this.windowMs * 1000));
        } catch {
          // The group left between the snapshot and now, or has no memory.pressure: nothing to watch.
        }
      }
    }
    this.refreshPollSet();
  }

  private refreshPollSet(): void {
    if (!this.pollSet || this.systemFd === null) return;
    this.order = [null, ...this.groups.keys()];
    const fds = [this.wake!.fd, this.systemFd, ...this.groups.values()];
    this.pollSet.set(fds, [POLLIN, ...fds.slice(1).map(() => POLLPRI)]);
  }

  private fail(err: unknown): void {
    const wasStopped = this.stopped;
    this.stopped = true;
    this.stopPoll();
    this.closeAll();
    if (!wasStopped) this.callbacks.failed(`the PSI trigger wait failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  private stopPoll(): void {
    this.poll?.stop();
    this.poll = null;
  }

  private closeAll(): void {
    if (this.pollSet?.busy) return;
    for (const fd of this.groups.values()) closeSync(fd);
    this.groups.clear();
    if (this.systemFd !== null) closeSync(this.systemFd);
    this.systemFd = null;
    this.wake?.close();
    this.wake = null;
    this.pollSet = null;
  }
}
