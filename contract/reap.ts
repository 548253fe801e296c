/**
 * Reap requests and results: shared by the renderer, main, the CLI and the privileged helper.
 * A target is always (pid, startTime): the start time proves the pid still names the process the user saw.
 */
import { MAX_TARGETS_PER_REQUEST } from './plain';
import * as z from './zod';

/** Linux's hard ceiling for pid_max (PID_MAX_LIMIT, 2^22). The helper also checks the live pid_max. */
export const PID_LIMIT = 4_194_304;

export const ReapTargetSchema = z.strictObject({
  pid: z.number().int().min(2).max(PID_LIMIT),
  startTime: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type ReapTarget = z.infer<typeof ReapTargetSchema>;

/** `kill`: SIGKILL + process_mrelease at once. `end`: SIGTERM, then the reap if still alive after the grace period. */
export const ReapModeSchema = z.enum(['kill', 'end']);
export type ReapMode = z.infer<typeof ReapModeSchema>;

export const ReapRequestSchema = z.strictObject({
  targets: z.array(ReapTargetSchema).min(1).max(MAX_TARGETS_PER_REQUEST),
  mode: ReapModeSchema.default('kill'),
  /** Allow session-critical processes (display server, shell, dbus…). Protected ones (PID 1, kernel threads) are refused anyway. */
  force: z.boolean().default(false),
});
export type ReapRequest = z.infer<typeof ReapRequestSchema>;
export type ReapRequestInput = z.input<typeof ReapRequestSchema>;

/**
 * Why a reap did not happen (or only partly), in a form the UI can turn into plain words.
 * - CHANGED: the pid is gone or now names another process (start time differs); nothing was sent.
 * - PROTECTED: PID 1, a kernel thread, or the helper and its ancestors; always refused.
 * - SESSION_CRITICAL: display server, shell, session manager, dbus…; refused unless force.
 * - EPERM: no permission to signal it from here.
 * - NOT_AUTHORIZED: polkit said no (or there was no authentication agent to ask).
 * - DISMISSED: the person closed the password dialog.
 * - HELPER_UNAVAILABLE: the privileged helper is not installed (e.g. AppImage without the deb).
 * - BAD_REQUEST: malformed input; nothing was done.
 * - INTERNAL: an unexpected failure; the message says what.
 */
export const ReapErrorCodeSchema = z.enum([
  'CHANGED',
  'PROTECTED',
  'SESSION_CRITICAL',
  'EPERM',
  'NOT_AUTHORIZED',
  'DISMISSED',
  'HELPER_UNAVAILABLE',
  'BAD_REQUEST',
  'INTERNAL',
]);
export type ReapErrorCode = z.infer<typeof ReapErrorCodeSchema>;

export const ReapErrorSchema = z.object({
  code: ReapErrorCodeSchema,
  /** A sentence a person can act on; carries the errno name where one is involved. */
  message: z.string(),
});
export type ReapError = z.infer<typeof ReapErrorSchema>;

export const ReapResultSchema = z.object({
  pid: z.number().int(),
  startTime: z.number().int().nonnegative(),
  /** comm of the process, read before the kill. */
  name: z.string(),
  /** True when the process was killed (or ended by SIGTERM) and is gone or dying. */
  ok: z.boolean(),
  /**
   * `mrelease`: SIGKILL then process_mrelease freed its memory from our context (ESRCH counts: it was already gone).
   * `kill-only`: SIGKILL sent, process_mrelease unavailable or refused (see note); memory returns when it exits.
   * `term`: it ended by itself after SIGTERM within the grace period. Null when nothing was sent.
   */
  method: z.enum(['mrelease', 'kill-only', 'term']).nullable(),
  /** Anonymous resident memory (RssAnon) recorded just before the kill: what the kill returns to RAM. */
  freedBytes: z.number().int().nonnegative(),
  /** Swap the process held, recorded before the kill; released with it. */
  swapFreedBytes: z.number().int().nonnegative(),
  /** Duration of process_mrelease itself (including EAGAIN/EINTR retries); null when not called. */
  mreleaseMs: z.number().nonnegative().nullable(),
  /** From the signal until the pidfd reported the exit; null when not seen within the bound. */
  goneMs: z.number().nonnegative().nullable(),
  /**
   * From the signal until the memory was back: the return of process_mrelease when it did the freeing;
   * when the process had already dropped its address space (ESRCH: it was freeing it itself) or
   * process_mrelease was not used, its exit as seen on the pidfd — an upper bound. Null when neither
   * was seen. This is the "how long it took" a person is shown.
   */
  memoryBackMs: z.number().nonnegative().nullable(),
  /** Where it ran: in this process (own processes) or in the privileged helper. */
  via: z.enum(['in-process', 'helper']),
  /** Wall-clock time the signal was sent, ms since the epoch (0 when nothing was sent). */
  time: z.number().int().nonnegative(),
  /** A plain-words remark when the reap worked but not fully (e.g. kill-only and why). */
  note: z.string().optional(),
  error: ReapErrorSchema.optional(),
});
export type ReapResult = z.infer<typeof ReapResultSchema>;

export const ReapResponseSchema = z.object({
  results: z.array(ReapResultSchema),
});
export type ReapResponse = z.infer<typeof ReapResponseSchema>;
