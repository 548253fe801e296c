/**
 * The guard's reap of one app (reap-culprit.ts) on a contract-shaped snapshot with a recording
 * reaper: every process of the app is sent, in requests of at most the contract's 512 targets.
 */
import { describe, expect, it } from 'vitest';
import type { Culprit } from '../../contract/guard';
import { MAX_TARGETS_PER_REQUEST } from '../../contract/plain';
import { ReapRequestSchema } from '../../contract/reap';
import { reapCulprit } from '../../main/guard/reap-culprit';
import { guardSnapshot, MiB, recordingReaper } from './guard-snapshots';

describe('the guard\'s reap of an app', () => {
  it('sends every one of an app\'s 1,100 processes, in requests the contract accepts (it sent the first 512 only)', async () => {
    const s = guardSnapshot(100_000, 0, 0, [{ name: 'forkbomb', anonBytes: 900 * MiB, stallUs: 1 }]);
    const app = s.apps[0]!;
    const template = s.processes.find((p) => p.appId === app.id)!;
    s.processes = Array.from({ length: 1100 }, (_, i) => ({ ...template, pid: 10_000 + i, startTime: 5_000 + i }));
    app.pids = s.processes.map((p) => p.pid);
    const culprit = { appId: app.id, name: app.name } as Culprit;
    const { reaper, requests } = recordingReaper();
    await reapCulprit(culprit, s, reaper, process.getuid?.() ?? 0);
    expect(requests.map((r) => r.targets.length)).toEqual([MAX_TARGETS_PER_REQUEST, MAX_TARGETS_PER_REQUEST, 1100 - 2 * MAX_TARGETS_PER_REQUEST]);
    for (const r of requests) expect(ReapRequestSchema.safeParse(r).success).toBe(true);
    expect(requests.flatMap((r) => r.targets.map((t) => t.pid))).toEqual(s.processes.map((p) => p.pid));
  });
});
