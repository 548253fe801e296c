/**
 * What the helper does with one request line: decode, validate, reap. Pure of I/O besides the reap
 * itself, so the same code is exercised by the helper binary and its tests.
 */
import * as z from '../../contract/zod';
import { DEFAULT_SESSION_CRITICAL } from '../../contract/session-critical';
import { reapTargets } from '../reap';
import { readPidMax, type ProcessIdentities } from '../proc';
import { HELPER_PROTOCOL_VERSION, HelperRequestSchema, RequestIdSchema, type HelperFeatures, type HelperReply, type LineEvent } from './protocol';

/** The helper's state: all of it stays the same for its whole life, except that idleMs may shrink. */
export interface HelperState {
  features: HelperFeatures;
  /** The helper and its ancestors (pkexec, the app, its session…), pid → start time: always refused. */
  protectedPids: ProcessIdentities;
  /** How long the helper stays without a request (HELPER_IDLE_MS; a hello may only shorten it). */
  idleMs: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badRequest(id: number | null, message: string): HelperReply {
  return { id, ok: false, error: { code: 'BAD_REQUEST', message: `${message} Nothing was done.` } };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}

/** Answer one line event. Never throws: anything unexpected becomes an error reply. */
export function answer(event: LineEvent, state: HelperState): HelperReply {
  if ('overlong' in event) return badRequest(null, 'The request line was longer than 64 KiB.');
  let text: string;
  try {
    text = utf8.decode(event.line);
  } catch {
    return badRequest(null, 'The request is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return badRequest(null, 'The request is not JSON.');
  }
  const rawId = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
  const id = RequestIdSchema.safeParse(rawId).success ? (rawId as number) : null;
  if (id === null) return badRequest(null, 'The request needs an "id" that is a whole number from 0 to 2^53−1.');
  const parsed = HelperRequestSchema.safeParse(value);
  if (!parsed.success) return badRequest(id, `The request is malformed (${describeIssues(parsed.error)}).`);
  const request = parsed.data;
  if (request.op === 'hello') {
    // Only ever shorter: a caller can make its own helper leave sooner, never keep it longer.
    if (request.idleMs !== undefined) state.idleMs = Math.min(state.idleMs, request.idleMs);
    return { id, ok: true, version: HELPER_PROTOCOL_VERSION, features: state.features, idleMs: state.idleMs };
  }
  try {
    const pidMax = readPidMax();
    const outOfRange = request.targets.find((t) => t.pid > pidMax);
    if (outOfRange) return badRequest(id, `PID ${outOfRange.pid} is above this system's pid_max (${pidMax}).`);
    const sessionCritical = [...DEFAULT_SESSION_CRITICAL, ...request.sessionCritical];
    const results = reapTargets(request, { via: 'helper', protectedPids: state.protectedPids, sessionCritical, endGraceMs: request.endGraceMs });
    return { id, ok: true, results };
  } catch (err) {
    return { id, ok: false, error: { code: 'INTERNAL', message: `The helper failed: ${err instanceof Error ? err.message : String(err)}.` } };
  }
}
