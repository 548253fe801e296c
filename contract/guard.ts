/**
 * The pressure guard's contract: its state as the window shows it, and the events the headless
 * `headroom guard --json` prints one per line (and the recorder keeps). Pure data, runs anywhere.
 *
 * Percentages are PSI stall shares per tick (stalled µs ÷ elapsed µs), 0–100.
 */
import * as z from './zod';
import { ReapResultSchema } from './reap';

const pct = z.number().min(0).max(100);

/**
 * How the guard notices pressure:
 * - `trigger`: PSI triggers (POLLPRI on /proc/pressure/memory and app groups' memory.pressure);
 * - `poll`: triggers refused or absent, the PSI files are read at the sampling rate;
 * - `unavailable`: no PSI at all; the guard cannot work and says so.
 */
export const GuardModeSchema = z.enum(['trigger', 'poll', 'unavailable']);
export type GuardMode = z.infer<typeof GuardModeSchema>;

/** An app the guard blames, with the reason in plain words. */
export const CulpritSchema = z.object({
  appId: z.string(),
  name: z.string(),
  pids: z.array(z.number().int().positive()),
  /**
   * The start time (clock ticks since boot) of each of `pids`, in the same order: with the PID, what
   * tells that process from a later one given the same PID. Empty from a producer that did not know them.
   */
  startTimes: z.array(z.number().int().nonnegative()).default([]),
  /** E.g. "hrdrill: 38 % of its time stalled on memory, +120 MiB/s". */
  reason: z.string(),
  /** The ranking score (higher = more to blame); only for ordering. */
  score: z.number(),
  uid: z.number().int().nonnegative(),
  /** Why the guard would not act on it even with auto-reap on (protected, session-critical, avoided, another user's without the helper); null when it may act. */
  notActionable: z.string().nullable(),
});
export type Culprit = z.infer<typeof CulpritSchema>;

/** System memory pressure, per tick, in percent. */
export const GuardPressureSchema = z.object({ some: pct, full: pct });
export type GuardPressure = z.infer<typeof GuardPressureSchema>;

/** One line of `headroom guard --json`, and what the recorder stores of the guard. */
export const GuardEventSchema = z.discriminatedUnion('event', [
  z.object({
    time: z.number().int().nonnegative(),
    event: z.literal('started'),
    mode: z.enum(['trigger', 'poll']),
    /** The PSI trigger window (trigger mode) or the polling interval (poll mode). */
    windowMs: z.number().int().positive(),
    act: z.boolean(),
  }),
  z.object({
    time: z.number().int().nonnegative(),
    event: z.literal('warning'),
    pressure: GuardPressureSchema,
    culprit: CulpritSchema.nullable(),
  }),
  z.object({
    time: z.number().int().nonnegative(),
    event: z.literal('would-reap'),
    pressure: GuardPressureSchema,
    culprit: CulpritSchema,
  }),
  z.object({
    time: z.number().int().nonnegative(),
    event: z.literal('reap'),
    pressure: GuardPressureSchema,
    culprit: CulpritSchema,
    results: z.array(ReapResultSchema),
  }),
  z.object({ time: z.number().int().nonnegative(), event: z.literal('calm') }),
]);
export type GuardEvent = z.infer<typeof GuardEventSchema>;

/** What the window shows of the guard (the `guard` event and `getGuard` call). */
export const GuardStateSchema = z.object({
  mode: GuardModeSchema,
  /** Trigger window or polling interval in ms; null when unavailable. */
  windowMs: z.number().int().positive().nullable(),
  /** Why this mode (e.g. "PSI triggers need 2 s windows without CAP_SYS_RESOURCE"); shown in the status bar. */
  modeNote: z.string(),
  /** `calm`; `warning`: some ≥ warn level for the sustain period; `acting`: full ≥ act level for the sustain period. */
  phase: z.enum(['calm', 'warning', 'acting']),
  pressure: GuardPressureSchema.nullable(),
  /**
   * The app to blame and act on: the first actionable one of `ranking` once it has led the ranking,
   * with evidence of its own, for the sustain period (a settled culprit); null before that.
   */
  culprit: CulpritSchema.nullable(),
  /** Why `culprit` is null although apps are ranked (e.g. "No settled culprit yet: …"); absent or null otherwise. */
  culpritNote: z.string().nullable().optional(),
  /** The top few apps by their share of the pressure, best first. */
  ranking: z.array(CulpritSchema).max(10),
  /** Auto-reap on, and this guard holds the per-user lock (only one guard acts per user). */
  acting: z.boolean(),
  /** Why auto-reap is not acting although it is on (another guard holds the lock…), else null. */
  actingNote: z.string().nullable(),
  /** The last warning / would-reap / reap of this episode or the one before, for the banner. */
  last: GuardEventSchema.nullable(),
});
export type GuardState = z.infer<typeof GuardStateSchema>;
