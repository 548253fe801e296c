/**
 * What the flight recorder stores and `headroom history` prints: one flat sample of system figures
 * per tick, the per-app figures of the apps worth keeping that tick, and every event (a marker, with
 * the victim when another killer ended a process). Flat records, so CSV needs no nesting rules.
 */
import * as z from './zod';
import { AppKindSchema } from './snapshot';
import { ReapMarkerSchema } from './history';

const bytes = z.number().int().nonnegative();
const pct = z.number().min(0).nullable();
const rate = z.number().nonnegative().nullable();

/** One tick's system figures as recorded (bytes rounded to KiB on disk). */
export const RecordedSampleSchema = z.object({
  t: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  /** PSI: per-tick stall (…Pct) and the kernel's averages; null without PSI, on the first tick, or where the kernel omits the line. */
  memSomePct: pct,
  memFullPct: pct,
  memSomeAvg10: pct,
  memFullAvg10: pct,
  memSomeAvg60: pct,
  memFullAvg60: pct,
  cpuSomePct: pct,
  cpuFullPct: pct,
  cpuSomeAvg10: pct,
  ioSomePct: pct,
  ioFullPct: pct,
  ioSomeAvg10: pct,
  ioFullAvg10: pct,
  totalBytes: bytes,
  availableBytes: bytes,
  freeBytes: bytes,
  cachedBytes: bytes,
  dirtyBytes: bytes,
  swapTotalBytes: bytes,
  swapFreeBytes: bytes,
  zramUsedBytes: bytes,
  zramDataBytes: bytes,
  zramComprBytes: bytes,
  majorFaultsPerSec: rate,
  refaultsPerSec: rate,
  oomKillsPerSec: rate,
  oomKills: z.number().int().nonnegative().nullable(),
  processCount: z.number().int().nonnegative(),
  appCount: z.number().int().nonnegative(),
  sampleMs: z.number().nonnegative(),
});
export type RecordedSample = z.infer<typeof RecordedSampleSchema>;

/** One app at one tick: the top apps by RSS plus every app under pressure or growing fast. */
export const RecordedAppSchema = z.object({
  t: z.number().int().nonnegative(),
  id: z.string(),
  name: z.string(),
  kind: AppKindSchema,
  cgroup: z.string().nullable(),
  user: z.string(),
  rssBytes: bytes,
  anonBytes: bytes,
  swapBytes: bytes,
  growthBytesPerSec: z.number(),
  processCount: z.number().int().nonnegative(),
  /** The app's own memory.pressure (cgroup v2 groups only), else null. */
  pressureSomeAvg10: pct,
  pressureFullAvg10: pct,
  pressureSomePct: pct,
  pressureFullPct: pct,
});
export type RecordedApp = z.infer<typeof RecordedAppSchema>;

/** The process another killer ended, as far as it could be named. */
export const KillVictimSchema = z.object({
  pid: z.number().int().positive(),
  name: z.string(),
  uid: z.number().int().nonnegative().nullable(),
  anonBytes: bytes.nullable(),
  /** The memory cgroup the kill was confined to (kernel memcg OOM), or the victim's cgroup; null when unknown. */
  cgroup: z.string().nullable(),
  /** How the victim was named: the kernel's own log line, or the largest process that vanished meanwhile. */
  source: z.enum(['kmsg', 'vanished', 'oomd']),
});
export type KillVictim = z.infer<typeof KillVictimSchema>;

/** A recorded event: the marker the chart draws, plus the victim of a kill by another killer. */
export const RecordedEventSchema = ReapMarkerSchema.extend({
  victim: KillVictimSchema.nullable().default(null),
});
export type RecordedEvent = z.infer<typeof RecordedEventSchema>;

/** One line of `headroom history --json`. */
export const HistoryLineSchema = z.discriminatedUnion('type', [
  RecordedSampleSchema.extend({ type: z.literal('sample') }),
  RecordedAppSchema.extend({ type: z.literal('app') }),
  RecordedEventSchema.extend({ type: z.literal('event') }),
]);
export type HistoryLine = z.infer<typeof HistoryLineSchema>;
