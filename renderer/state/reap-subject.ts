/**
 * What a reap confirmation is about: an app (all its processes) or one process, captured when the
 * dialog opens. The (pid, startTime) pairs are the ones the person saw, so a process that exited
 * or was replaced meanwhile is refused by main as CHANGED rather than killed by mistake.
 */
import { MAX_TARGETS_PER_REQUEST, reapRequests } from '../../contract/plain';
import type { ReapMode, ReapRequestInput, ReapTarget } from '../../contract/reap';
import { isSessionCritical } from '../../contract/session-critical';
import type { AppInfo, ProcessInfo } from '../../contract/snapshot';
import type { Status } from '../../contract/status';

/** The contract's limit on targets per request. */
export { MAX_TARGETS_PER_REQUEST };

export interface ReapSubject {
  kind: 'app' | 'process';
  /** The app's name, or the process's comm. */
  name: string;
  mode: ReapMode;
  processes: readonly ProcessInfo[];
}

/** The subject for a whole app. */
export function appSubject(app: AppInfo, processes: readonly ProcessInfo[], mode: ReapMode): ReapSubject {
  return { kind: 'app', name: app.name, mode, processes };
}

/** What a subject confirms, as a string: its kind, mode and every (PID, start time) it targets. */
export function subjectKey(subject: ReapSubject): string {
  return `${subject.kind} ${subject.mode} ${subject.processes.map((p) => `${p.pid}:${p.startTime}`).join(',')}`;
}

/** The subject for one process. */
export function processSubject(p: ProcessInfo, mode: ReapMode): ReapSubject {
  return { kind: 'process', name: p.comm, mode, processes: [p] };
}

/**
 * The subject's processes main will refuse as session-critical without force, decided as main
 * decides (contract/session-critical.ts): the person's list by comm's first 15 bytes, and for
 * another user's process reaped through the helper (Headroom not root) the built-in list as well.
 */
export function sessionCriticalOf(subject: ReapSubject, sessionCritical: readonly string[], status: Pick<Status, 'privilege' | 'uid'> | null): ProcessInfo[] {
  const viaHelper = (p: ProcessInfo) => status !== null && status.privilege !== 'root' && p.uid !== status.uid;
  return subject.processes.filter((p) => isSessionCritical(p.comm, sessionCritical, viaHelper(p)));
}

/** The reap requests for a subject: one per 512 targets (the contract's limit). */
export function reapRequestsFor(subject: ReapSubject, force: boolean): ReapRequestInput[] {
  const targets: ReapTarget[] = subject.processes.map((p) => ({ pid: p.pid, startTime: p.startTime }));
  return reapRequests(targets, subject.mode, force);
}
