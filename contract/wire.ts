/**
 * The browser-mode WebSocket framing of the contract. One JSON object per message.
 * Client → server: `{ id, call, params }`. Server → client: `{ id, ok: true, result }`,
 * `{ id, ok: false, error: { code, message } }`, or an event `{ event, data }`.
 */
import * as z from './zod';
import { ApiErrorSchema } from './api';
import { MAX_WIRE_MESSAGE_BYTES } from './plain';

export { MAX_WIRE_MESSAGE_BYTES };

export const WireRequestSchema = z.strictObject({
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  call: z.string().max(64),
  params: z.unknown().optional(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;

export type WireReply =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: z.infer<typeof ApiErrorSchema> };

export type WireEvent = { event: string; data: unknown };
