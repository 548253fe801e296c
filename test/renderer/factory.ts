/**
 * Realistic data for the component tests: snapshots, statuses and settings that pass the
 * contract's schemas (every factory result is checked with parse, so a test can never draw data
 * main could not send).
 */
import { HistorySchema, type History, type ReapMarker } from '../../contract/history';
import type { ReapResult } from '../../contract/reap';
import { ReapResultSchema } from '../../contract/reap';
import { defaultSettings, SettingsStateSchema, type Settings, type SettingsState } from '../../contract/settings';
import { SnapshotSchema, type AppInfo, type ProcessInfo, type Snapshot } from '../../contract/snapshot';
import { StatusSchema, type PrivilegeMode, type Status } from '../../contract/status';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const OWN_UID = 1000;

const FEATURES = {
  psi: true,
  cgroupV2Mount: '/sys/fs/cgroup/unified',
  pidfd: true,
  processMrelease: true,
  cgroupKill: true,
  hidepid: false,
  kernel: '6.1.0-test',
};

export interface ProcessSpec {
  pid: number;
  comm: string;
  cmdline?: string;
  uid?: number;
  user?: string;
  rssMiB?: number;
  swapMiB?: number;
  growthMiBps?: number;
}

export interface AppSpec {
  name: string;
  processes: ProcessSpec[];
  kind?: AppInfo['kind'];
  /** App memory.pressure some avg10, when the app is a cgroup with pressure. */
  pressureSome?: number;
}

function line(avg10: number, tickPct: number | null) {
  return { avg10, avg60: avg10 / 2, avg300: avg10 / 4, totalUs: 1_000_000, tickPct };
}

/** A process as the sampler reports it. */
export function makeProcess(spec: ProcessSpec, appId: string): ProcessInfo {
  const rss = Math.round((spec.rssMiB ?? 50) * MiB);
  const uid = spec.uid ?? OWN_UID;
  return {
    pid: spec.pid,
    ppid: 1,
    uid,
    user: spec.user ?? (uid === 0 ? 'root' : uid === OWN_UID ? 'alice' : `user${uid}`),
    comm: spec.comm,
    cmdline: spec.cmdline ?? `/usr/bin/${spec.comm}`,
    startTime: 1000 + spec.pid,
    state: 'S',
    rssBytes: rss,
    anonBytes: Math.round(rss * 0.8),
    fileBytes: Math.round(rss * 0.2),
    shmemBytes: 0,
    swapBytes: Math.round((spec.swapMiB ?? 0) * MiB),
    oomScore: 100,
    oomScoreAdj: 0,
    cgroup: `/user.slice/user-${uid}.slice/app-${spec.comm}.scope`,
    appId,
    growthBytesPerSec: Math.round((spec.growthMiBps ?? 0) * MiB),
  };
}

/** A snapshot with these apps; memory and PSI figures are plausible for a 16 GiB machine. */
export function makeSnapshot(apps: AppSpec[], options: { seq?: number; time?: number; psi?: boolean; availableGiB?: number } = {}): Snapshot {
  const processes: ProcessInfo[] = [];
  const appInfos: AppInfo[] = apps.map((a, i) => {
    const id = a.kind === 'tree' || a.kind === undefined ? `tree:${a.processes[0]!.pid}:${1000 + a.processes[0]!.pid}` : `cg:/app-${a.name}-${i}`;
    const procs = a.processes.map((p) => makeProcess(p, id));
    processes.push(...procs);
    const largest = procs.reduce((m, p) => (p.rssBytes > m.rssBytes ? p : m), procs[0]!);
    return {
      id,
      name: a.name,
      kind: a.kind ?? 'tree',
      cgroup: a.kind && a.kind !== 'tree' ? `/user.slice/app-${a.name}.scope` : null,
      rssBytes: procs.reduce((s, p) => s + p.rssBytes, 0),
      anonBytes: procs.reduce((s, p) => s + p.anonBytes, 0),
      swapBytes: procs.reduce((s, p) => s + p.swapBytes, 0),
      processCount: procs.length,
      pids: procs.map((p) => p.pid),
      growthBytesPerSec: procs.reduce((s, p) => s + p.growthBytesPerSec, 0),
      user: largest.user,
      uid: largest.uid,
      pressure: a.pressureSome === undefined ? null : { some: line(a.pressureSome, a.pressureSome), full: line(0, 0) },
    };
  });
  const withPsi = options.psi ?? true;
  const snapshot: Snapshot = {
    seq: options.seq ?? 1,
    time: options.time ?? 1_760_000_000_000,
    intervalMs: 1000,
    psi: withPsi ? { memory: { some: line(12.5, 14), full: line(3.2, 4) }, cpu: { some: line(5, 6), full: null }, io: { some: line(1, 2), full: line(0.5, 1) } } : null,
    memory: {
      totalBytes: 16 * GiB,
      availableBytes: Math.round((options.availableGiB ?? 3.5) * GiB),
      freeBytes: 1 * GiB,
      cachedBytes: 2 * GiB,
      dirtyBytes: 10 * MiB,
      swapTotalBytes: 4 * GiB,
      swapFreeBytes: 3 * GiB,
      zram: [],
      rates: { majorFaultsPerSec: 10, refaultsPerSec: 100, oomKillsPerSec: 0 },
      oomKills: 0,
    },
    processes,
    apps: appInfos,
    features: { ...FEATURES, psi: withPsi },
    sampleMs: 12.5,
    malformed: 0,
  };
  return SnapshotSchema.parse(snapshot);
}

/** `count` single-process apps with distinct names, PIDs and sizes (for virtualisation and sorting at scale). */
export function manyApps(count: number): AppSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `worker-${i}`,
    processes: [{ pid: 10_000 + i, comm: `worker-${i}`, cmdline: `/opt/pool/worker --slot=${i}`, rssMiB: 1 + (i % 997) }],
  }));
}

/** The apps most tests use: a browser with three processes, an editor, a growing hog, and a root daemon. */
export function typicalApps(): AppSpec[] {
  return [
    {
      name: 'firefox',
      kind: 'scope',
      pressureSome: 7.5,
      processes: [
        { pid: 2001, comm: 'firefox', cmdline: '/usr/lib/firefox/firefox', rssMiB: 900, swapMiB: 20 },
        { pid: 2002, comm: 'Web Content', cmdline: '/usr/lib/firefox/firefox -contentproc -childID 1', rssMiB: 600 },
        { pid: 2003, comm: 'Isolated Web Co', cmdline: '/usr/lib/firefox/firefox -contentproc -isForBrowser', rssMiB: 400 },
      ],
    },
    { name: 'code', processes: [{ pid: 3100, comm: 'code', cmdline: '/usr/share/code/code --unity-launch', rssMiB: 700 }] },
    {
      name: 'leaky',
      processes: [{ pid: 4242, comm: 'leaky', cmdline: 'python3 leaky.py --grow', rssMiB: 2150, growthMiBps: 85 }],
    },
    {
      name: 'postgres',
      kind: 'service',
      processes: [{ pid: 777, comm: 'postgres', cmdline: '/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg', uid: 105, user: 'postgres', rssMiB: 300 }],
    },
    { name: 'Xorg', processes: [{ pid: 900, comm: 'Xorg', cmdline: '/usr/lib/xorg/Xorg :0', uid: 0, rssMiB: 150 }] },
  ];
}

/** A status for this privilege mode. */
export function makeStatus(privilege: PrivilegeMode = 'helper-installed', extra: Partial<Status> = {}): Status {
  return StatusSchema.parse({
    features: FEATURES,
    privilege,
    uid: OWN_UID,
    user: 'alice',
    shell: 'browser',
    paused: false,
    intervalMs: 1000,
    sampleMs: 11.8,
    recorder: null,
    killers: [],
    warnings: [],
    ...extra,
  });
}

/** The settings state (defaults unless overridden). */
export function makeSettingsState(overrides: Partial<Settings> = {}, warning: string | null = null): SettingsState {
  return SettingsStateSchema.parse({ settings: { ...defaultSettings(), ...overrides }, warning });
}

/** A history of `points` ticks ending at `endTime`, with these markers. */
export function makeHistory(points: number, endTime: number, markers: ReapMarker[] = []): History {
  const start = endTime - (points - 1) * 1000;
  return HistorySchema.parse({
    intervalMs: 1000,
    points: Array.from({ length: points }, (_, i) => ({
      t: start + i * 1000,
      memSomePct: (i % 30) * 1.5,
      memFullPct: (i % 30) * 0.4,
      memSomeAvg10: 10,
      memFullAvg10: 3,
      cpuSomePct: 4,
      ioSomePct: 1,
      availableBytes: 3 * GiB,
      usedBytes: 13 * GiB,
      swapUsedBytes: 1 * GiB,
      zramUsedBytes: 0,
    })),
    markers,
  });
}

/** A reap result (ok by default) for a process, checked against the schema. */
export function makeResult(overrides: Partial<ReapResult> = {}): ReapResult {
  return ReapResultSchema.parse({
    pid: 4242,
    startTime: 5242,
    name: 'leaky',
    ok: true,
    method: 'mrelease',
    freedBytes: Math.round(2.1 * GiB),
    swapFreedBytes: 0,
    mreleaseMs: 84,
    goneMs: 90,
    memoryBackMs: 84,
    via: 'in-process',
    time: 1_760_000_000_000,
    ...overrides,
  });
}
