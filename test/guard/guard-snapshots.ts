/**
 * Contract-shaped snapshots for the guard's unit tests (makeSnapshot checks each with
 * SnapshotSchema): the system stall totals and each app's own stall total and anon size are given
 * per tick, so a test decides exactly what the guard measures. The PIDs are made up: a guard fed
 * these must only ever be given a recording reaper (recordingReaper), never the real one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuardEvent, GuardState } from '../../contract/guard';
import type { ReapMarker } from '../../contract/history';
import type { ReapRequest } from '../../contract/reap';
import { defaultSettings, type Settings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import { createGuard, GuardLock, type GuardOptions } from '../../main/guard';
import { makeSnapshot } from '../notify/make-snapshot';

export const MiB = 1024 * 1024;

export interface AppTick {
  name: string;
  comm?: string;
  anonBytes: number;
  /** The app group's own `some` stall total (µs); undefined: a tree app with no group of its own. */
  stallUs?: number;
}

/**
 * One snapshot at `time` with these system stall totals (µs) and apps; every app is this test user's.
 * `availableShare`: MemAvailable as a share of MemTotal (makeSnapshot's 24 GiB); half unless given.
 */
export function guardSnapshot(time: number, someUs: number, fullUs: number, apps: AppTick[], availableShare?: number): Snapshot {
  const s = makeSnapshot({ seq: time, apps: apps.map((a) => ({ name: a.name, rss: a.anonBytes, growth: 0, comm: a.comm })) });
  if (availableShare !== undefined) s.memory.availableBytes = Math.round(availableShare * s.memory.totalBytes);
  s.time = time;
  // No v2 mount: the made-up groups are not looked for on disk, so a reap reaches the recording reaper.
  s.features.cgroupV2Mount = null;
  s.psi!.memory!.some.totalUs = someUs;
  s.psi!.memory!.full!.totalUs = fullUs;
  const uid = process.getuid?.() ?? 0;
  for (const p of s.processes) p.uid = uid;
  apps.forEach((spec, i) => {
    const app = s.apps[i]!;
    app.uid = uid;
    if (spec.stallUs !== undefined) {
      app.kind = 'scope';
      app.cgroup = `/user.slice/app-${spec.name}-1.scope`;
      const line = { avg10: 0, avg60: 0, avg300: 0, totalUs: spec.stallUs, tickPct: null };
      app.pressure = { some: line, full: line };
    }
  });
  return s;
}

/** A reaper that records what it was asked and sends nothing (the snapshots' PIDs are made up). */
export function recordingReaper(): { reaper: GuardOptions['reaper']; requests: ReapRequest[] } {
  const requests: ReapRequest[] = [];
  return { reaper: { privilege: () => 'helper-installed', reap: async (req) => (requests.push(req), { results: [] }) }, requests };
}

/** A guard without triggers on a lock in a fresh temp folder; call done() at the end. */
export function testGuard(patch: Partial<Settings>, lockPath?: string, memoryLimitsOf?: GuardOptions['memoryLimitsOf'], clockAt: GuardOptions['clockAt'] = (s) => s.time, reaper = recordingReaper()) {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-guard-unit-'));
  const settings: Settings = { ...defaultSettings(), ...patch };
  const { requests } = reaper;
  const events: GuardEvent[] = [];
  const markers: ReapMarker[] = [];
  const states: GuardState[] = [];
  const guard = createGuard({
    settings: () => settings,
    reaper: reaper.reaper,
    sampling: { setIntervalMs() {} },
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    addMarker: (m) => markers.push(m),
    lock: new GuardLock(lockPath ?? join(dir, 'guard.lock')),
    triggers: false,
    // The PIDs here are made up: no limits unless a test gives its own reading.
    memoryLimitsOf: memoryLimitsOf ?? (() => []),
    // The snapshots' made-up times, fed in a burst: by default the guard's clock follows them.
    clockAt,
  });
  guard.start();
  return {
    guard,
    events,
    markers,
    states,
    requests,
    settings,
    done() {
      guard.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
