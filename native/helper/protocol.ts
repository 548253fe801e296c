/**
 * The helper's wire protocol: one JSON object per line on stdin/stdout, each line at most 64 KiB.
 * Requests are parsed with strict schemas (unknown fields are an error); targets reuse the contract's
 * schemas so the helper and the app cannot disagree about what a valid target is.
 */
import { z } from 'zod';
import { ReapErrorSchema, ReapModeSchema, ReapResultSchema, ReapTargetSchema } from '../../contract/reap';

/** The longest request line the helper reads; longer ones are discarded unread and answered BAD_REQUEST. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Bumped when the protocol changes incompatibly. */
export const HELPER_PROTOCOL_VERSION = '1';

export const RequestIdSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const HelloRequestSchema = z.strictObject({ id: RequestIdSchema, op: z.literal('hello') });

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

export const HelloReplySchema = z.object({ id: RequestIdSchema, ok: z.literal(true), version: z.string(), features: HelperFeaturesSchema });
export const ReapReplySchema = z.object({ id: RequestIdSchema, ok: z.literal(true), results: z.array(ReapResultSchema) });
export const ErrorReplySchema = z.object({ id: RequestIdSchema.nullable(), ok: z.literal(false), error: ReapErrorSchema });
export const HelperReplySchema = z.union([HelloReplySchema, ReapReplySchema, ErrorReplySchema]);
export type HelperReply = z.infer<typeof HelperReplySchema>;

/** A line, or the marker that an over-long line was discarded. */
export type LineEvent = { line: Buffer } | { overlong: true };

/**
 * Splits a byte stream into lines of at most `maxBytes`. An over-long line is not buffered: its
 * bytes are dropped until the next newline, and one `overlong` event stands for it.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Feed bytes; returns the complete lines (and overlong markers) they finished. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.discarding) {
        this.size += end - start;
        if (this.size > this.maxBytes) {
          this.discarding = true;
          this.parts = [];
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end));
        }
      }
      if (newline === -1) break;
      if (this.discarding) events.push({ overlong: true });
      else events.push({ line: Buffer.concat(this.parts) });
      this.parts = [];
      this.size = 0;
      this.discarding = false;
      start = newline + 1;
    }
    return events;
  }
}
