/**
 * Snapshots for the notifier tests: pure data shaped by the contract (every one is checked with
 * SnapshotSchema, so a change in the contract breaks these tests instead of silently passing).
 */
import { SnapshotSchema, type AppInfo, type ProcessInfo, type Snapshot } from '../../contract/snapshot';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
export { GiB, MiB };

export interface AppSpec {
  name: string;
  rss: number;
  growth: number;
  comm?: string;
}

const psiLine = (avg10: number) => ({ avg10, avg60: avg10, avg300: avg10, totalUs: 1000, tickPct: avg10 });

/** A snapshot with memory PSI some/full avg10 as given (null: a kernel without PSI) and these apps. */
export function makeSnapshot(opts: { some?: number; full?: number | null; psi?: boolean; apps?: AppSpec[]; seq?: number }): Snapshot {
  const apps: AppInfo[] = [];
  const processes: ProcessInfo[] = [];
  (opts.apps ?? []).forEach((given, i) => {
    const spec = { ...given, rss: Math.round(given.rss), growth: Math.round(given.growth) };
    const pid = 1000 + i;
    const id = `tree:${pid}:${5000 + i}`;
    processes.push({
      pid,
      ppid: 1,
      uid: 1000,
      user: 'alice',
      comm: spec.comm ?? spec.name,
      cmdline: spec.name,
      startTime: 5000 + i,
      state: 'S',
      rssBytes: spec.rss,
      anonBytes: spec.rss,
      fileBytes: 0,
      shmemBytes: 0,
      swapBytes: 0,
      oomScore: 0,
      oomScoreAdj: 0,
      cgroup: '/user.slice',
      appId: id,
      growthBytesPerSec: spec.growth,
    });
    apps.push({
      id,
      name: spec.name,
      kind: 'tree',
      cgroup: null,
      rssBytes: spec.rss,
      anonBytes: spec.rss,
      swapBytes: 0,
      processCount: 1,
      pids: [pid],
      growthBytesPerSec: spec.growth,
      user: 'alice',
      uid: 1000,
      pressure: null,
    });
  });
  const full = opts.full === undefined ? 0 : opts.full;
  const snapshot = {
    seq: opts.seq ?? 1,
    time: 1_700_000_000_000,
    intervalMs: 1000,
    psi:
      opts.psi === false
        ? null
        : {
            memory: { some: psiLine(opts.some ?? 0), full: full === null ? null : psiLine(full) },
            cpu: null,
            io: null,
          },
    memory: {
      totalBytes: 24 * GiB,
      availableBytes: 12 * GiB,
      freeBytes: 10 * GiB,
      cachedBytes: GiB,
      dirtyBytes: 0,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
      zram: [],
      rates: { majorFaultsPerSec: null, refaultsPerSec: null, oomKillsPerSec: null },
      oomKills: 0,
    },
    processes,
    apps,
    features: {
      psi: opts.psi !== false,
      cgroupV2Mount: '/sys/fs/cgroup/unified',
      pidfd: true,
      processMrelease: true,
      cgroupKill: true,
      hidepid: false,
      kernel: '6.1.0',
    },
    sampleMs: 5,
    malformed: 0,
  };
  return SnapshotSchema.parse(snapshot);
}
