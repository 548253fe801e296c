/**
 * The snapshot: what the sampler produces every tick, and what crosses from main to the renderer.
 * Pure data, runs anywhere (Node, Chromium). Field names are camelCase, bytes are integers,
 * times are milliseconds unless the name says otherwise (`totalUs`, `startTime` in clock ticks).
 */
import * as z from './zod';

const bytes = z.number().int().nonnegative();
const percent = z.number().min(0);

/** One PSI line (`some` or `full`): the kernel's averages plus the stall share of the last tick. */
export const PsiLineSchema = z.object({
  avg10: percent,
  avg60: percent,
  avg300: percent,
  /** Cumulative stall time in microseconds since boot (or since the cgroup was created). */
  totalUs: z.number().nonnegative(),
  /** Stalled µs ÷ elapsed µs over the last tick, in percent; null on the first tick. */
  tickPct: percent.nullable(),
});
export type PsiLine = z.infer<typeof PsiLineSchema>;

/** One PSI source: `full` is null where the kernel does not report it (older cpu files). */
export const PsiResourceSchema = z.object({
  some: PsiLineSchema,
  full: PsiLineSchema.nullable(),
});
export type PsiResource = z.infer<typeof PsiResourceSchema>;

export const PsiSchema = z.object({
  memory: PsiResourceSchema.nullable(),
  cpu: PsiResourceSchema.nullable(),
  io: PsiResourceSchema.nullable(),
});
export type Psi = z.infer<typeof PsiSchema>;

export const ZramDeviceSchema = z.object({
  name: z.string(),
  /** Uncompressed bytes stored. */
  dataBytes: bytes,
  /** Compressed size of that data. */
  comprBytes: bytes,
  /** Memory the device uses, including allocator overhead. */
  usedBytes: bytes,
});
export type ZramDevice = z.infer<typeof ZramDeviceSchema>;

export const MemorySchema = z.object({
  totalBytes: bytes,
  availableBytes: bytes,
  freeBytes: bytes,
  cachedBytes: bytes,
  dirtyBytes: bytes,
  swapTotalBytes: bytes,
  swapFreeBytes: bytes,
  zram: z.array(ZramDeviceSchema),
  /** Per-second rates from /proc/vmstat deltas; null on the first tick. */
  rates: z.object({
    majorFaultsPerSec: z.number().nonnegative().nullable(),
    refaultsPerSec: z.number().nonnegative().nullable(),
    oomKillsPerSec: z.number().nonnegative().nullable(),
  }),
  /** Cumulative OOM kills since boot (`oom_kill` in /proc/vmstat), null where absent. */
  oomKills: z.number().int().nonnegative().nullable(),
});
export type Memory = z.infer<typeof MemorySchema>;

export const ProcessSchema = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  uid: z.number().int().nonnegative(),
  user: z.string(),
  comm: z.string(),
  /** Command line joined with spaces, capped; empty for zombies. */
  cmdline: z.string(),
  /** Field 22 of /proc/PID/stat in clock ticks since boot: with pid, the identity that survives PID reuse. */
  startTime: z.number().int().nonnegative(),
  state: z.string(),
  rssBytes: bytes,
  anonBytes: bytes,
  fileBytes: bytes,
  shmemBytes: bytes,
  swapBytes: bytes,
  oomScore: z.number().int(),
  oomScoreAdj: z.number().int(),
  /** cgroup v2 path ("0::" line of /proc/PID/cgroup), e.g. "/user.slice/user-1000.slice/app-firefox.scope". */
  cgroup: z.string(),
  /** The id of the app this process belongs to (see AppSchema.id). */
  appId: z.string(),
  /** RSS growth over the last few ticks, bytes per second (negative when shrinking). */
  growthBytesPerSec: z.number(),
});
export type ProcessInfo = z.infer<typeof ProcessSchema>;

export const AppKindSchema = z.enum(['scope', 'service', 'flatpak', 'snap', 'tree']);
export type AppKind = z.infer<typeof AppKindSchema>;

export const AppSchema = z.object({
  /** Stable id: "cg:<cgroup path>" for cgroup apps, "tree:<pid>:<startTime>" for process-tree apps. */
  id: z.string(),
  name: z.string(),
  kind: AppKindSchema,
  /** The cgroup v2 path when the app is a cgroup, else null. */
  cgroup: z.string().nullable(),
  rssBytes: bytes,
  anonBytes: bytes,
  swapBytes: bytes,
  processCount: z.number().int().positive(),
  pids: z.array(z.number().int().positive()),
  growthBytesPerSec: z.number(),
  /** The owner of the app's largest process. */
  user: z.string(),
  uid: z.number().int().nonnegative(),
  /** The app's own memory.pressure when it is a cgroup v2 group, else null. */
  pressure: PsiResourceSchema.nullable(),
});
export type AppInfo = z.infer<typeof AppSchema>;

export const FeaturesSchema = z.object({
  psi: z.boolean(),
  /** Where cgroup v2 is mounted (`/sys/fs/cgroup` or `/sys/fs/cgroup/unified`), null when absent. */
  cgroupV2Mount: z.string().nullable(),
  pidfd: z.boolean(),
  processMrelease: z.boolean(),
  cgroupKill: z.boolean(),
  /** /proc is mounted with hidepid: only the caller's own processes are visible. */
  hidepid: z.boolean(),
  kernel: z.string(),
});
export type Features = z.infer<typeof FeaturesSchema>;

export const SnapshotSchema = z.object({
  /** Increments by one every tick. */
  seq: z.number().int().nonnegative(),
  /** Wall-clock time of the sample, ms since the epoch. */
  time: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  /** Null when the kernel has no PSI (built without it, or booted with psi=0). */
  psi: PsiSchema.nullable(),
  memory: MemorySchema,
  processes: z.array(ProcessSchema),
  apps: z.array(AppSchema),
  features: FeaturesSchema,
  /** Time the sampler spent building this snapshot (wall clock). */
  sampleMs: z.number().nonnegative(),
  /** Lines or files that could not be parsed this tick; skipped, never thrown. */
  malformed: z.number().int().nonnegative(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
