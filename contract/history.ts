/**
 * History: the compact per-tick series the graphs draw, and the reap markers on them.
 * `historyPointOf` is the one place a snapshot becomes a graph point, used by main (ring buffer)
 * and the renderer (live append) alike.
 */
import * as z from './zod';
import { MARKER_KINDS } from './plain';

const pct = z.number().min(0).nullable();

export const HistoryPointSchema = z.object({
  t: z.number().int().nonnegative(),
  /** Memory PSI per-tick stall %, some and full; null without PSI or on the first tick. */
  memSomePct: pct,
  memFullPct: pct,
  memSomeAvg10: pct,
  memFullAvg10: pct,
  cpuSomePct: pct,
  ioSomePct: pct,
  availableBytes: z.number().int().nonnegative(),
  usedBytes: z.number().int().nonnegative(),
  swapUsedBytes: z.number().int().nonnegative(),
  zramUsedBytes: z.number().int().nonnegative(),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

/**
 * What a marker on the chart stands for: a reap by hand, the guard's auto-reap, its warning or
 * would-reap, a kernel OOM kill, a systemd-oomd kill.
 */
export const MarkerKindSchema = z.enum(MARKER_KINDS);
export type MarkerKind = z.infer<typeof MarkerKindSchema>;

/** A moment on the chart: a reap (with its recovery) or another recorded event. */
export const ReapMarkerSchema = z.object({
  /** When the signal was sent (or the event happened), ms since the epoch. */
  time: z.number().int().nonnegative(),
  kind: MarkerKindSchema.default('reap'),
  label: z.string(),
  /** One line in plain words, e.g. "Kernel OOM killer ended python3 (PID 784, 160 MiB anon) in memory cgroup …"; '' when the label says it all. */
  detail: z.string().default(''),
  freedBytes: z.number().int().nonnegative(),
  mreleaseMs: z.number().nonnegative().nullable(),
  /** MemAvailable just before the reap. */
  availableBeforeBytes: z.number().int().nonnegative(),
  /**
   * Time until available memory (MemAvailable plus the per-CPU free page lists) was back by
   * 90 % of freedBytes; null while still waiting or when it never came back within the window.
   */
  recoveredMs: z.number().nonnegative().nullable(),
});
export type ReapMarker = z.infer<typeof ReapMarkerSchema>;

export const HistorySchema = z.object({
  intervalMs: z.number().int().positive(),
  points: z.array(HistoryPointSchema),
  markers: z.array(ReapMarkerSchema),
});
export type History = z.infer<typeof HistorySchema>;

export { historyPointOf } from './plain';
