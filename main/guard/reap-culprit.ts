/**
 * The guard's reap of one culprit: every process of the app as the snapshot saw it (pid + start
 * time), through the same reap service as a manual reap — so PID reuse is caught by the start-time
 * check, a whole group goes by cgroup.kill, and memory comes back through process_mrelease. Before
 * anything is sent: a group that vanished (the app exited) and another user's processes without the
 * privileged helper already running (an auto-reap never starts pkexec, i.e. never asks for a
 * password) give refused results with the reason; nothing is sent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Culprit } from '../../contract/guard';
import { reapRequests } from '../../contract/plain';
import type { ReapResult } from '../../contract/reap';
import type { Snapshot } from '../../contract/snapshot';
import { refusedResult } from '../../native/reap';
import type { ReapServiceLike } from '../service/types';

/** Reap the culprit's processes; one result per process, never rejects. */
export async function reapCulprit(
  culprit: Culprit,
  snapshot: Snapshot,
  reaper: Pick<ReapServiceLike, 'reap' | 'privilege'>,
  ownUid: number,
): Promise<ReapResult[]> {
  const app = snapshot.apps.find((a) => a.id === culprit.appId);
  const members = snapshot.processes.filter((p) => p.appId === culprit.appId && p.pid >= 2);
  const targets = members.map((p) => ({ pid: p.pid, startTime: p.startTime }));
  const mount = snapshot.features.cgroupV2Mount;
  const refuse = (via: ReapResult['via'], code: 'CHANGED' | 'HELPER_UNAVAILABLE' | 'INTERNAL', message: string): ReapResult[] =>
    targets.map((t) => refusedResult(t, via, code, message, culprit.name));
  if (app?.cgroup && mount && !existsSync(join(mount, app.cgroup))) {
    return refuse('in-process', 'CHANGED', `${culprit.name}'s group ${app.cgroup} vanished before the reap (the app exited); nothing was sent.`);
  }
  if (ownUid !== 0 && members.some((p) => p.uid !== ownUid) && reaper.privilege() !== 'helper-ready') {
    return refuse(
      'helper',
      'HELPER_UNAVAILABLE',
      `${culprit.name} has processes of another user and Headroom's privileged helper is not running; the guard never asks for a password by itself, so nothing was sent.`,
    );
  }
  try {
    // A request holds at most MAX_TARGETS_PER_REQUEST: an app with more processes is reaped in
    // several, not cut at the first 512 (the rest lived on while the notice said the app ended).
    const results: ReapResult[] = [];
    for (const request of reapRequests(targets, 'kill', false)) results.push(...(await reaper.reap(request)).results);
    return results;
  } catch (err) {
    return refuse('in-process', 'INTERNAL', `The reap of ${culprit.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
