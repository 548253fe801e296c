/**
 * User settings: persisted as JSON in the user's config directory and always parsed with this
 * schema on load (never trusted). Defaults live here and only here.
 */
import * as z from './zod';

// Kept in a zod-free module so the reap path (CLI, helper, reap worker) can use it without loading zod.
import { DEFAULT_SESSION_CRITICAL } from './session-critical';
// The defaults, in a zod-free module so main can start without zod (plain.ts).
import { defaultSettings, SETTING_DEFAULTS } from './plain';

export { defaultSettings };

export { DEFAULT_SESSION_CRITICAL };

export const SettingsSchema = z.object({
  /** Sampling interval. */
  intervalMs: z.number().int().min(250).max(10_000).default(SETTING_DEFAULTS.intervalMs),
  /** How much history the graphs keep (the ring buffers' length = historyMinutes × 60 s ÷ interval). */
  historyMinutes: z.number().int().min(1).max(60).default(SETTING_DEFAULTS.historyMinutes),
  notifications: z.boolean().default(SETTING_DEFAULTS.notifications),
  /** Grace period for "End" (SIGTERM) before the reap. */
  endGraceMs: z.number().int().min(0).max(60_000).default(SETTING_DEFAULTS.endGraceMs),
  /** Session-critical process names (comm): refused unless forced. */
  sessionCritical: z.array(z.string().min(1).max(64)).max(256).default(() => defaultSettings().sessionCritical),
  /**
   * Guard: warn when system memory PSI `some` per tick stays at or above this share (percent) for
   * guardSustainSeconds. The pressure chart's `some` line and the tray's "rising" use it too: one
   * set of levels (files with the old chart-only someThresholdPct/fullThresholdPct drop them on load).
   */
  guardWarnSomePct: z.number().min(1).max(100).default(SETTING_DEFAULTS.guardWarnSomePct),
  /** Guard: act (or say what it would do) when memory PSI `full` per tick stays at or above this share for guardSustainSeconds; also the chart's `full` line and the tray's "high". */
  guardActFullPct: z.number().min(1).max(100).default(SETTING_DEFAULTS.guardActFullPct),
  guardSustainSeconds: z.number().int().min(1).max(120).default(SETTING_DEFAULTS.guardSustainSeconds),
  /** Guard: after an auto-reap, wait this long before the next one. */
  guardCooldownSeconds: z.number().int().min(1).max(3600).default(SETTING_DEFAULTS.guardCooldownSeconds),
  /** Guard: reap the culprit by itself. Off by default: while off, the window says what it would have done. */
  autoReap: z.boolean().default(SETTING_DEFAULTS.autoReap),
  /** Names (comm / app name) or cgroup globs the guard never auto-reaps. */
  autoReapAvoid: z.array(z.string().min(1).max(256)).max(256).default(() => defaultSettings().autoReapAvoid),
  /** Names or cgroup globs the guard picks first when they are among the apps under pressure. */
  autoReapPrefer: z.array(z.string().min(1).max(256)).max(256).default(() => defaultSettings().autoReapPrefer),
  /** Recorder: how long history is kept on disk, in hours. */
  recorderRetentionHours: z.number().int().min(1).max(24 * 31).default(SETTING_DEFAULTS.recorderRetentionHours),
  /** Recorder: the most disk the history may take, in MiB. */
  recorderMaxMiB: z.number().int().min(4).max(4096).default(SETTING_DEFAULTS.recorderMaxMiB),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** A change to some settings; unknown keys are rejected. */
export const SettingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(SettingsSchema.shape).map(([key, schema]) => [key, schema.unwrap().optional()]),
  ) as { [K in keyof typeof SettingsSchema.shape]: z.ZodOptional<ReturnType<(typeof SettingsSchema.shape)[K]['unwrap']>> },
);
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/** The settings in force plus a warning when the saved file could not be used. */
export const SettingsStateSchema = z.object({
  settings: SettingsSchema,
  /** E.g. "Settings file was corrupt; defaults in use. The bad file was kept as settings.json.corrupt-…". */
  warning: z.string().nullable(),
});
export type SettingsState = z.infer<typeof SettingsStateSchema>;

