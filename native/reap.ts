/**
 * The one reap algorithm, used in-process (on a worker thread) and by the privileged helper:
 * pidfd_open → verify the start time → record what the kill frees → SIGKILL through the pidfd →
 * process_mrelease → wait for the exit on the pidfd. Synchronous on purpose: it runs where blocking
 * costs nothing (a worker, the helper), and the kill-to-mrelease gap stays as short as it can be.
 *
 * Nothing is read from a victim's /proc after its kill: that can pin the mm and delay the teardown.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SESSION_CRITICAL, isSessionCritical } from '../contract/session-critical';
import type { ReapRequest, ReapResult, ReapTarget } from '../contract/reap';
import { exclusiveGroupOf, killGroup } from './cgroup';
import { isProtectedProcess, readStat, readStatus, selfAndAncestorIdentities, type ProcessIdentities, type ProcMemory, type ProcStat } from './proc';
import { realtimeForRelease } from './priority';
import { refusedResult } from './reap-result';
import { closeFd, pidfdOpen, pidfdSendSignal, processMrelease, SIGKILL, SIGTERM, SyscallError, waitReadable } from './syscalls';


/** Where and under which rules a reap runs. */
export interface ReapContext {
  /** Recorded in every result. */
  via: ReapResult['via'];
  /** comm names refused unless the request says force (default: DEFAULT_SESSION_CRITICAL). */
  sessionCritical?: readonly string[];
  /** How long `end` waits after SIGTERM before the reap (default 5000 ms). */
  endGraceMs?: number;
  /**
   * Always refused: the caller and its ancestors, as pid → start time, so that a pid an ancestor
   * left behind and an unrelated process now holds is not refused (default: computed now from
   * /proc/self).
   */
  protectedPids?: ProcessIdentities;
  /** How long to wait for the exit on the pidfd after the kill (default 5000 ms). */
  exitWaitMs?: number;
}

// refusedResult lives in a koffi-free module so the app's main thread can build refusals without
// loading koffi (≈ 4 MiB of RSS there); re-exported for everyone else.
export { refusedResult };

export const CHANGED_MESSAGE = 'The process exited or its PID now belongs to another program; nothing was sent. Refresh and try again.';

const MRELEASE_ATTEMPTS = 8;
const DEFAULT_EXIT_WAIT_MS = 5000;
const DEFAULT_END_GRACE_MS = 5000;

/** A target whose identity was proven; it holds the pidfd (null when the kernel has no pidfd_open). */
interface Verified {
  index: number;
  target: ReapTarget;
  pidfd: number | null;
  stat: ProcStat;
  memory: ProcMemory;
}

function errorCode(err: unknown): string {
  return err instanceof SyscallError ? err.code : err instanceof Error ? err.message : String(err);
}

/** Sleep without an event loop (we are synchronous by design); used only between mrelease retries. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Open a pidfd and prove it is the process the caller saw; apply the refusals. Returns the verified
 * target, or the result that explains why nothing will be sent.
 */
function verify(index: number, target: ReapTarget, request: ReapRequest, context: ReapContext, protectedPids: ProcessIdentities): Verified | ReapResult {
  const { via } = context;
  if (target.pid <= 1) return refusedResult(target, via, 'PROTECTED', 'PID 1 (init) is never ended: the whole system depends on it.');
  if (target.pid === 2) return refusedResult(target, via, 'PROTECTED', 'PID 2 (kthreadd) is the kernel\'s thread parent; it is never ended.');
  let pidfd: number | null = null;
  try {
    pidfd = pidfdOpen(target.pid);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ESRCH') return refusedResult(target, via, 'CHANGED', CHANGED_MESSAGE);
    // A thread id: EINVAL on older kernels, ENOENT on this one (pidfd_open wants a thread-group leader).
    if (code === 'EINVAL' || code === 'ENOENT') return refusedResult(target, via, 'CHANGED', `PID ${target.pid} is a thread of another process, not a process (pidfd_open: ${code}); nothing was sent. Refresh and try again.`);
    if (code !== 'ENOSYS') return refusedResult(target, via, 'INTERNAL', `Could not open a pidfd for PID ${target.pid} (pidfd_open: ${code}); nothing was sent.`);
    // ENOSYS: a kernel before 5.3. Degrade to kill(pid) after the same identity check (see kill()).
  }
  const keep = (result: ReapResult): ReapResult => {
    if (pidfd !== null) closeFd(pidfd);
    return result;
  };
  // Read after pidfd_open: if the start time still matches now, the pidfd is the process the user saw.
  const stat = readStat(target.pid);
  const memory = stat ? readStatus(target.pid) : null;
  // Not named after whatever holds the PID now: that is another program ("Could not end sshd").
  if (!stat || !memory || stat.startTime !== target.startTime) return keep(refusedResult(target, via, 'CHANGED', CHANGED_MESSAGE));
  if (stat.kernelThread) {
    return keep(refusedResult(target, via, 'PROTECTED', `${stat.comm} (PID ${target.pid}) is a kernel thread; it cannot be ended and holds no memory of its own.`, stat.comm));
  }
  if (stat.ppid === 2) {
    // Not a kernel thread (PF_KTHREAD is clear) but a user-mode helper the kernel started itself: a
    // core-dump pipe handler, modprobe, a hotplug helper. Ending one loses the work the kernel asked
    // of it (a crash dump, a driver load), and no person started it: refused, in those words.
    return keep(refusedResult(target, via, 'PROTECTED', `${stat.comm} (PID ${target.pid}) was started by the kernel itself (a helper such as a crash-dump handler or modprobe); Headroom never ends those.`, stat.comm));
  }
  // stat.startTime equals target.startTime here: the identity the caller named is the one compared.
  if (isProtectedProcess(protectedPids, target.pid, stat.startTime)) {
    const who = via === 'helper' ? "the privileged helper itself or one of the programs that started it (Headroom among them)" : 'Headroom itself or one of the programs that started it';
    return keep(refusedResult(target, via, 'PROTECTED', `${stat.comm} (PID ${target.pid}) is ${who}; it is never ended from here.`, stat.comm));
  }
  const critical = context.sessionCritical ?? DEFAULT_SESSION_CRITICAL;
  if (!request.force && isSessionCritical(stat.comm, critical, false)) {
    return keep(
      refusedResult(
        target,
        via,
        'SESSION_CRITICAL',
        `${stat.comm} (PID ${target.pid}) is part of the desktop session (display server, shell, session manager, message bus or Headroom); ending it could end the session. Nothing was sent; force it only if you mean it.`,
        stat.comm,
      ),
    );
  }
  return { index, target, pidfd, stat, memory };
}

function baseResult(v: Verified, via: ReapResult['via']): ReapResult {
  return {
    pid: v.target.pid,
    startTime: v.target.startTime,
    name: v.stat.comm,
    ok: true,
    method: null,
    freedBytes: v.memory.rssAnonBytes,
    swapFreedBytes: v.memory.swapBytes,
    mreleaseMs: null,
    goneMs: null,
    memoryBackMs: null,
    via,
    time: 0,
  };
}

function signalFailure(v: Verified, via: ReapResult['via'], signal: string, err: unknown): ReapResult {
  const code = errorCode(err);
  if (code === 'EPERM') {
    return refusedResult(v.target, via, 'EPERM', `Not allowed to signal ${v.stat.comm} (PID ${v.target.pid}): EPERM. It belongs to another user; ending it needs the privileged helper.`, v.stat.comm);
  }
  return refusedResult(v.target, via, 'INTERNAL', `Could not send ${signal} to ${v.stat.comm} (PID ${v.target.pid}): ${code}.`, v.stat.comm);
}

/** Send SIGTERM to each, then wait (one shared deadline) for them to exit. Returns those still alive. */
function endGracefully(verified: Verified[], results: ReapResult[], context: ReapContext): Verified[] {
  const sent: { v: Verified; at: number; time: number }[] = [];
  for (const v of verified) {
    try {
      if (v.pidfd !== null) pidfdSendSignal(v.pidfd, SIGTERM);
      else process.kill(v.target.pid, 'SIGTERM');
      sent.push({ v, at: performance.now(), time: Date.now() });
    } catch (err) {
      if (errorCode(err) === 'ESRCH') {
        results[v.index] = { ...baseResult(v, context.via), freedBytes: 0, swapFreedBytes: 0, note: 'It exited by itself before the signal reached it.' };
      } else {
        results[v.index] = signalFailure(v, context.via, 'SIGTERM', err);
      }
      if (v.pidfd !== null) closeFd(v.pidfd);
    }
  }
  const deadline = performance.now() + (context.endGraceMs ?? DEFAULT_END_GRACE_MS);
  const stillAlive: Verified[] = [];
  for (const { v, at, time } of sent) {
    // Without a pidfd there is no race-free way to see the exit: go straight to the kill path.
    const exited = v.pidfd !== null && waitReadable(v.pidfd, Math.max(0, deadline - performance.now()));
    if (!exited) {
      stillAlive.push(v);
      continue;
    }
    const goneMs = performance.now() - at;
    results[v.index] = { ...baseResult(v, context.via), method: 'term', goneMs, memoryBackMs: goneMs, time };
    closeFd(v.pidfd!);
  }
  return stillAlive;
}

/**
 * process_mrelease with retries; returns the method, the call's duration, `releasedAt` (when it
 * returned 0: the address space is unmapped by then, by us or by the exiting process alongside us)
 * and, when it fell back to kill-only, why.
 */
function release(pidfd: number, name: string): { method: 'mrelease' | 'kill-only'; ms: number; releasedAt: number | null; note?: string } {
  const start = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      processMrelease(pidfd);
      const releasedAt = performance.now();
      return { method: 'mrelease', ms: releasedAt - start, releasedAt };
    } catch (err) {
      const code = errorCode(err);
      // ESRCH: the process already dropped its mm and is tearing it down itself (or has): success, but
      // the moment the memory is back is then its exit, not our return.
      if (code === 'ESRCH') return { method: 'mrelease', ms: performance.now() - start, releasedAt: null };
      if ((code === 'EAGAIN' || code === 'EINTR') && attempt < MRELEASE_ATTEMPTS) {
        pause(attempt);
        continue;
      }
      const ms = performance.now() - start;
      if (code === 'ENOSYS') return { method: 'kill-only', ms, releasedAt: null, note: 'This kernel has no process_mrelease (ENOSYS, needs Linux 5.15); the memory comes back when the process finishes exiting.' };
      if (code === 'EINVAL') {
        return { method: 'kill-only', ms, releasedAt: null, note: `${name} shares its memory with another process that is still running (process_mrelease: EINVAL); it was killed and its memory comes back when they all exit.` };
      }
      return { method: 'kill-only', ms, releasedAt: null, note: `process_mrelease failed (${code}) after ${attempt} attempt(s); the process was killed and its memory comes back when it finishes exiting.` };
    }
  }
}

/** SIGKILL (one by one, or the whole cgroup at once), then mrelease each, then wait for the exits. */
function kill(verified: Verified[], results: ReapResult[], context: ReapContext): void {
  // cgroup.kill only when every target is verified and they are exactly the group's members. Found
  // before the priority is raised: the walk of the group's subtree is bounded, but not ours to hurry.
  const withPidfd = verified.filter((v) => v.pidfd !== null);
  const group = withPidfd.length >= 2 && withPidfd.length === verified.length ? exclusiveGroupOf(withPidfd.map((v) => v.target.pid)) : null;
  // From the first signal to the last release, this thread outranks ordinary work (root only).
  const restorePriority = verified.length > 0 ? realtimeForRelease() : () => {};
  let released: ReturnType<typeof releaseAll>;
  try {
    released = releaseAll(verified, group, results, context);
  } finally {
    restorePriority();
  }
  waitForExits(released, results, context);
}

/** SIGKILL every verified target (one by one, or the whole cgroup at once), then release each address space. */
function releaseAll(verified: Verified[], group: string | null, results: ReapResult[], context: ReapContext) {
  const { via } = context;
  const killed: { v: Verified; at: number; time: number; note?: string }[] = [];
  let groupKilled = false;
  // A group is only given when every verified target has a pidfd (kill()).
  if (group) {
    try {
      const at = performance.now();
      const time = Date.now();
      killGroup(group);
      for (const v of verified) killed.push({ v, at, time, note: 'Ended with its whole app group (cgroup.kill).' });
      groupKilled = true;
    } catch {
      // Not allowed to write cgroup.kill (another user's group): fall back to one by one.
    }
  }
  if (!groupKilled) {
    for (const v of verified) {
      const at = performance.now();
      const time = Date.now();
      try {
        if (v.pidfd !== null) {
          pidfdSendSignal(v.pidfd, SIGKILL);
          killed.push({ v, at, time });
        } else {
          process.kill(v.target.pid, 'SIGKILL');
          results[v.index] = {
            ...baseResult(v, via),
            method: 'kill-only',
            time,
            note: 'This kernel has no pidfd_open (ENOSYS, needs Linux 5.3): the start time was checked, then kill(PID) was sent, which leaves a tiny window for PID reuse; process_mrelease needs a pidfd, so the memory comes back when it finishes exiting.',
          };
        }
      } catch (err) {
        results[v.index] =
          errorCode(err) === 'ESRCH' ? { ...baseResult(v, via), freedBytes: 0, swapFreedBytes: 0, note: 'It exited by itself before the signal reached it.' } : signalFailure(v, via, 'SIGKILL', err);
        if (v.pidfd !== null) closeFd(v.pidfd);
      }
    }
  }
  // Release every address space first (the point of the tool), then wait for the exits.
  return killed.map((k) => ({ ...k, ...release(k.v.pidfd!, k.v.stat.comm) }));
}

/** Wait (one shared deadline) for the killed targets to exit, and write their results. */
function waitForExits(released: ReturnType<typeof releaseAll>, results: ReapResult[], context: ReapContext): void {
  const { via } = context;
  const deadline = performance.now() + (context.exitWaitMs ?? DEFAULT_EXIT_WAIT_MS);
  for (const k of released) {
    const gone = waitReadable(k.v.pidfd!, Math.max(0, deadline - performance.now()));
    const goneMs = gone ? performance.now() - k.at : null;
    const notes = [k.note, gone ? undefined : `It had not finished exiting ${Math.round((context.exitWaitMs ?? DEFAULT_EXIT_WAIT_MS) / 1000)} s after the kill.`];
    const note = notes.filter(Boolean).join(' ');
    results[k.v.index] = {
      ...baseResult(k.v, via),
      method: k.method,
      mreleaseMs: k.ms,
      goneMs,
      memoryBackMs: k.releasedAt !== null ? k.releasedAt - k.at : goneMs,
      time: k.time,
      ...(note ? { note } : {}),
    };
    closeFd(k.v.pidfd!);
  }
}

/**
 * Reap (mode `kill`) or end (mode `end`) every target; one result per target, in order. Never
 * throws for a target's failure: each result says what happened in plain words.
 */
export function reapTargets(request: ReapRequest, context: ReapContext): ReapResult[] {
  const protectedPids = context.protectedPids ?? selfAndAncestorIdentities();
  const results: ReapResult[] = new Array(request.targets.length);
  const verified: Verified[] = [];
  const seen = new Set<number>();
  request.targets.forEach((target, index) => {
    if (seen.has(target.pid)) {
      results[index] = refusedResult(target, context.via, 'BAD_REQUEST', `PID ${target.pid} is listed more than once; it was handled once.`);
      return;
    }
    seen.add(target.pid);
    const outcome = verify(index, target, request, context, protectedPids);
    if ('index' in outcome) verified.push(outcome);
    else results[index] = outcome;
  });
  try {
    const toKill = request.mode === 'end' ? endGracefully(verified, results, context) : verified;
    kill(toKill, results, context);
  } catch (err) {
    // Unexpected (e.g. poll failing): say so for every target not yet answered, and release the fds.
    for (const v of verified) {
      if (results[v.index]) continue;
      results[v.index] = refusedResult(v.target, context.via, 'INTERNAL', `The reap stopped unexpectedly: ${errorCode(err)}.`, v.stat.comm);
      if (v.pidfd !== null) closeFd(v.pidfd);
    }
  }
  return results;
}
