/**
 * The helper's wire protocol: one JSON object per line on stdin/stdout, each line at most 64 KiB.
 * Requests are parsed with strict schemas (unknown fields are an error); targets reuse the contract's
 * schemas so the helper and the app cannot disagree about what a valid target is.
 */
import * as z from '../../contract/zod';
import { ReapErrorSchema, ReapModeSchema, ReapResultSchema, ReapTargetSchema } from '../../contract/reap';
import { HELPER_IDLE_MS, MIN_HELPER_IDLE_MS } from './lines';

// The line limit, the version, the idle time and the line splitter live in a zod-free module, so the helper can
// answer hello before zod is loaded (see hello.ts); re-exported here for everyone else.
export { HELPER_IDLE_EXIT_CODE, HELPER_IDLE_MS, HELPER_PROTOCOL_VERSION, LineSplitter, MAX_LINE_BYTES, MIN_HELPER_IDLE_MS, type LineEvent } from './lines';

/** The longest End grace period a request may ask for: the setting's own bound (contract/settings.ts). */
export const MAX_END_GRACE_MS = 60_000;

export const RequestIdSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const HelloRequestSchema = z.strictObject({
  id: RequestIdSchema,
  op: z.literal('hello'),
  /**
   * Leave after this long without a request instead of HELPER_IDLE_MS. It can only shorten the idle
   * time in force (a longer value than HELPER_IDLE_MS is refused, a longer one than an earlier hello
   * asked for changes nothing): the most a caller can do with it is make its own helper leave sooner.
   */
  idleMs: z.number().int().min(MIN_HELPER_IDLE_MS).max(HELPER_IDLE_MS).optional(),
});

export const ReapCommandSchema = z.strictObject({
  id: RequestIdSchema,
  op: z.literal('reap'),
  targets: z.array(ReapTargetSchema).min(1).max(512),
  mode: ReapModeSchema.default('kill'),
  force: z.boolean().default(false),
  /**
   * Session-critical names from the person's settings. They are added to the built-in list, never
   * replace it: a caller can only make the helper stricter.
   */
  sessionCritical: z.array(z.string().min(1).max(64)).max(256).default([]),
  /** How long `end` waits after SIGTERM before the reap: the person's setting (default 5000 ms in native/reap.ts). */
  endGraceMs: z.number().int().min(0).max(MAX_END_GRACE_MS).optional(),
});

export const HelperRequestSchema = z.discriminatedUnion('op', [HelloRequestSchema, ReapCommandSchema]);
export type HelperRequest = z.infer<typeof HelperRequestSchema>;

export const HelperFeaturesSchema = z.object({
  pidfd: z.boolean(),
  processMrelease: z.boolean(),
  cgroupKill: z.boolean(),
  /** Bytes of code pages locked in RAM (see memlock.ts for why not mlockall). */
  lockedBytes: z.number().int().nonnegative(),
  uid: z.number().int().nonnegative(),
  /** The helper's nice value (it raises its own priority so mrelease wins the CPU under contention). */
  nice: z.number().int(),
});
export type HelperFeatures = z.infer<typeof HelperFeaturesSchema>;

/** `idleMs`: how long the helper now stays without a request before it leaves (HELPER_IDLE_MS or shorter). */
export const HelloReplySchema = z.object({ id: RequestIdSchema, ok: z.literal(true), version: z.string(), features: HelperFeaturesSchema, idleMs: z.number().int().positive() });
export const ReapReplySchema = z.object({ id: RequestIdSchema, ok: z.literal(true), results: z.array(ReapResultSchema) });
export const ErrorReplySchema = z.object({ id: RequestIdSchema.nullable(), ok: z.literal(false), error: ReapErrorSchema });
export const HelperReplySchema = z.union([HelloReplySchema, ReapReplySchema, ErrorReplySchema]);
export type HelperReply = z.infer<typeof HelperReplySchema>;
