/**
 * The flight recorder's contract: the history query the window and `headroom history` make, what
 * the status bar says about the recorder, and the other memory killers on this machine.
 */
import * as z from './zod';

/** At most 31 days back, in ms. */
const MAX_RANGE_MS = 31 * 24 * 3600 * 1000;

/**
 * `getHistory` parameters. Without any: the in-memory window (as before). With `sinceMs` (ms before
 * now) or `fromTime`/`toTime` (ms since the epoch): read from the recorder and downsampled to at most
 * `maxPoints`, keeping each bucket's worst moment.
 */
export const HistoryQuerySchema = z.strictObject({
  sinceMs: z.number().int().positive().max(MAX_RANGE_MS).optional(),
  fromTime: z.number().int().nonnegative().optional(),
  toTime: z.number().int().nonnegative().optional(),
  maxPoints: z.number().int().min(10).max(10_000).optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

/**
 * - `recording`: this process holds the per-user lock and writes;
 * - `follower`: another Headroom process (window, serve or guard) is the writer; this one reads;
 * - `failing`: writes fail (disk full, read-only…); sampling goes on, `message` says why;
 * - `off`: not started (tests, or no state folder could be made).
 */
export const RecorderStateSchema = z.enum(['recording', 'follower', 'failing', 'off']);

export const RecorderStatusSchema = z.object({
  state: RecorderStateSchema,
  /** The store's folder, e.g. ~/.local/state/headroom. */
  path: z.string(),
  /** Bytes on disk now. */
  bytes: z.number().int().nonnegative(),
  /** Oldest recorded time, ms since the epoch; null when empty. */
  oldestTime: z.number().int().nonnegative().nullable(),
  /** Plain words for the status bar when not simply recording; null otherwise. */
  message: z.string().nullable(),
});
export type RecorderStatus = z.infer<typeof RecorderStatusSchema>;

/** Another memory killer installed on this machine (systemd-oomd, earlyoom, nohang). */
export const KillerSchema = z.object({
  name: z.enum(['systemd-oomd', 'earlyoom', 'nohang']),
  running: z.boolean(),
  /** Thresholds where readable, in plain words ("kills at 60 % pressure for 30 s"); null when unknown. */
  thresholds: z.string().nullable(),
});
export type Killer = z.infer<typeof KillerSchema>;
