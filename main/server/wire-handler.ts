/** One WebSocket message in, one reply out: parse, validate against the contract, dispatch. */
import type { RawData } from 'ws';
import { ApiError, dispatchCall, parseCall, type ApiErrorCode, type HeadroomHandlers } from '../../contract/api';
import { WireRequestSchema, type WireReply } from '../../contract/wire';

/** An error message is cut here: one naming 60,000 unknown keys was sent back whole (700 KB). */
const MAX_ERROR_MESSAGE = 400;

function failure(id: number | null, code: ApiErrorCode, message: string): string {
  const shown = message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}…` : message;
  const reply: WireReply = { id, ok: false, error: { code, message: shown } };
  return JSON.stringify(reply);
}

/** How deep a message may nest: the envelope and the parameters (contract/api.ts allows 8 there). */
const MAX_MESSAGE_DEPTH = 10;

/** Whether the JSON text in `bytes` opens more than `max` arrays or objects at once (brackets inside strings do not count). */
function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

/** The id to answer with when the request is malformed: echoed only when it is a valid id. */
function idOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/**
 * The reply (JSON text) to one message. Never throws: malformed input gets BAD_REQUEST, an unknown
 * call UNKNOWN_CALL, and a failing handler INTERNAL with a plain message (the stack goes to `log`).
 */
export async function handleWireMessage(handlers: HeadroomHandlers, data: RawData, isBinary: boolean, log: (line: string) => void): Promise<string> {
  if (isBinary) return failure(null, 'BAD_REQUEST', 'Binary messages are not accepted: send JSON text.');
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  // JSON.parse of a message nesting 400,000 arrays holds this thread for ~0.5 s: refuse before it.
  if (nestsDeeperThan(bytes, MAX_MESSAGE_DEPTH)) return failure(null, 'BAD_REQUEST', `The message nests deeper than ${MAX_MESSAGE_DEPTH} levels; no request does.`);
  const text = bytes.toString('utf8');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return failure(null, 'BAD_REQUEST', 'The message is not valid JSON.');
  }
  const request = WireRequestSchema.safeParse(message);
  if (!request.success) {
    const issue = request.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return failure(idOf(message), 'BAD_REQUEST', `The message is not a request {id, call, params}${where}: ${issue?.message ?? 'invalid'}.`);
  }
  const { id, call, params } = request.data;
  let parsed;
  try {
    parsed = parseCall(call, params);
  } catch (err) {
    if (err instanceof ApiError) return failure(id, err.code, err.message);
    return failure(id, 'BAD_REQUEST', 'The request could not be validated.');
  }
  try {
    const result = await dispatchCall(handlers, parsed);
    const reply: WireReply = { id, ok: true, result };
    return JSON.stringify(reply);
  } catch (err) {
    log(`headroom serve: call ${call} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (err instanceof ApiError) return failure(id, err.code, err.message);
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return failure(id, 'INTERNAL', `${call} failed: ${reason}`);
  }
}
