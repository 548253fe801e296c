/** What the status bar shows: kernel features, sampler cost, and how privileged reaps would go. */
import * as z from './zod';
import { KillerSchema, RecorderStatusSchema } from './recorder';
import { FeaturesSchema } from './snapshot';

/**
 * - `root`: Headroom itself runs as root; everything is reaped in-process.
 * - `helper-ready`: the privileged helper is running (authorized once this session).
 * - `helper-installed`: the helper and its polkit policy are installed; the first reap of another
 *   user's process asks for an administrator password.
 * - `helper-missing`: no helper installed (e.g. an AppImage without the deb): only the person's own
 *   processes can be reaped.
 */
export const PrivilegeModeSchema = z.enum(['root', 'helper-ready', 'helper-installed', 'helper-missing']);
export type PrivilegeMode = z.infer<typeof PrivilegeModeSchema>;

export const StatusSchema = z.object({
  features: FeaturesSchema,
  privilege: PrivilegeModeSchema,
  /** The uid Headroom runs as: processes of other uids need the helper. */
  uid: z.number().int().nonnegative(),
  user: z.string(),
  /** `electron` or `browser` (headroom serve). */
  shell: z.enum(['electron', 'browser']),
  paused: z.boolean(),
  intervalMs: z.number().int().positive(),
  /** Median sampler cost per tick over the recent ticks. */
  sampleMs: z.number().nonnegative().nullable(),
  /** The flight recorder; null where none runs (tests with an in-memory service). */
  recorder: RecorderStatusSchema.nullable(),
  /** Other memory killers found on this machine (installed or running). */
  killers: z.array(KillerSchema),
  /** Things the person should know (degraded features, settings reset…), in plain words. */
  warnings: z.array(z.string()),
});
export type Status = z.infer<typeof StatusSchema>;
