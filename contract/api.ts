/**
 * The one contract between the renderer and main. Every call's parameters and result, and every
 * event's payload, are declared here once. Main validates every incoming payload with these schemas
 * (`parseCall`); the Electron IPC transport and the browser-mode WebSocket transport both carry
 * exactly this, so the UI cannot tell them apart.
 */
import * as z from './zod';
import { CALL_NAMES, EVENT_NAMES, type CallName, type EventName } from './channels';
import { SnapshotDeltaSchema } from './delta';
import { GuardStateSchema } from './guard';
import { HistorySchema, ReapMarkerSchema } from './history';
import { HistoryQuerySchema } from './recorder';
import { ReapRequestSchema, ReapResponseSchema } from './reap';
import { SettingsPatchSchema, SettingsStateSchema } from './settings';
import { SnapshotSchema } from './snapshot';
import { StatusSchema } from './status';

const NoParams = z.strictObject({});

export const CALLS = {
  /** The latest snapshot, or null before the first tick. */
  getSnapshot: { params: NoParams, result: SnapshotSchema.nullable() },
  /** The graph series and markers: the in-memory window, or a range from the recorder (see HistoryQuerySchema). */
  getHistory: { params: HistoryQuerySchema, result: HistorySchema },
  getStatus: { params: NoParams, result: StatusSchema },
  /** Reap or end processes; one result per target. */
  reap: { params: ReapRequestSchema, result: ReapResponseSchema },
  getSettings: { params: NoParams, result: SettingsStateSchema },
  setSettings: { params: SettingsPatchSchema, result: SettingsStateSchema },
  /** Pause or resume sampling. */
  setPaused: { params: z.strictObject({ paused: z.boolean() }), result: StatusSchema },
  /** The pressure guard's state: mode, phase, culprit, what it did or would do. */
  getGuard: { params: NoParams, result: GuardStateSchema },
} as const satisfies Record<CallName, { params: z.ZodType; result: z.ZodType }>;

export const EVENTS = {
  snapshot: SnapshotSchema,
  status: StatusSchema,
  /** The full list of reap markers whenever one is added or its recovery is measured. */
  markers: z.array(ReapMarkerSchema),
  settings: SettingsStateSchema,
  /** Open the reap confirmation for this app (e.g. the person chose "Reap" on a pressure notification). */
  reapPrompt: z.object({ appId: z.string() }),
  /** The guard's state whenever its phase, culprit or last event changes. */
  guard: GuardStateSchema,
  /** What changed since the snapshot this window holds (see contract/delta.ts); a full `snapshot` comes first. */
  snapshotDelta: SnapshotDeltaSchema,
} as const satisfies Record<EventName, z.ZodType>;

export type CallParams<K extends CallName> = z.input<(typeof CALLS)[K]['params']>;
export type CallParsedParams<K extends CallName> = z.output<(typeof CALLS)[K]['params']>;
export type CallResult<K extends CallName> = z.output<(typeof CALLS)[K]['result']>;
export type EventData<E extends EventName> = z.output<(typeof EVENTS)[E]>;

/** Error codes a call can fail with (besides a reap's per-target errors, which are results). */
export const ApiErrorCodeSchema = z.enum(['BAD_REQUEST', 'UNKNOWN_CALL', 'INTERNAL', 'FORBIDDEN']);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ApiErrorSchema = z.object({ code: ApiErrorCodeSchema, message: z.string() });

/** A failed call, as the client sees it. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A call that was sent and then lost its answer (the connection dropped before it came): unlike a
 * call never sent, it may have been carried out.
 */
export class CallUnanswered extends ApiError {
  constructor(message: string) {
    super('INTERNAL', message);
    this.name = 'CallUnanswered';
  }
}

/** What the renderer talks to: implemented by the Electron preload bridge and by the WebSocket client. */
export interface HeadroomClient {
  call<K extends CallName>(name: K, params: CallParams<K>): Promise<CallResult<K>>;
  /** Listen to an event until `signal` aborts. */
  subscribe<E extends EventName>(event: E, listener: (data: EventData<E>) => void, signal: AbortSignal): void;
}

/**
 * What the Electron preload exposes on `window[BRIDGE_KEY]`: plain functions only (contextBridge
 * cannot carry an AbortSignal). The renderer wraps it into a HeadroomClient.
 */
export interface HeadroomBridge {
  call(name: string, params: unknown): Promise<unknown>;
  /** Listen to an event; returns the function that stops listening. */
  subscribe(event: string, listener: (data: unknown) => void): () => void;
}

/** What main implements: one handler per call, given already-validated parameters. */
export type HeadroomHandlers = {
  [K in CallName]: (params: CallParsedParams<K>) => Promise<CallResult<K>> | CallResult<K>;
};

export type ParsedCall = { [K in CallName]: { name: K; params: CallParsedParams<K> } }[CallName];

/** True when `name` is one of the contract's calls. */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

/** True when `name` is one of the contract's events. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** How deep a call's parameters may nest (objects and arrays; the contract's deepest is 3), and how many keys an object may have (settings has ~25). */
const MAX_PARAMS_DEPTH = 8;
const MAX_PARAMS_KEYS = 64;

/**
 * Why `value` is beyond any call's parameters — nested deeper than MAX_PARAMS_DEPTH, or an object
 * with more than MAX_PARAMS_KEYS keys — or null. Found without recursion and before the schema
 * walks it: 60,000 unknown keys took the schema 0.2 s to list.
 */
function beyondAnyCall(value: unknown): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_PARAMS_DEPTH) return `nested deeper than ${MAX_PARAMS_DEPTH} levels`;
    const children = Object.values(v);
    if (!Array.isArray(v) && children.length > MAX_PARAMS_KEYS) return `an object with ${children.length} keys (no call takes more than ${MAX_PARAMS_KEYS})`;
    // Wide but shallow arrays are the schema's to refuse (its length limits).
    if (++visited > 100_000) return null;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return null;
}

/**
 * Validate an incoming call from an untrusted sender. Throws ApiError(UNKNOWN_CALL) for a name
 * outside the contract and ApiError(BAD_REQUEST) with the first problem for bad parameters.
 */
export function parseCall(name: unknown, params: unknown): ParsedCall {
  if (!isCallName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : typeof name;
    throw new ApiError('UNKNOWN_CALL', `Unknown call ${shown}.`);
  }
  const beyond = beyondAnyCall(params);
  if (beyond !== null) throw new ApiError('BAD_REQUEST', `Bad parameters for ${name}: ${beyond}.`);
  const parsed = CALLS[name].params.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ApiError('BAD_REQUEST', `Bad parameters for ${name}${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { name, params: parsed.data } as ParsedCall;
}

/** Run a validated call against the handlers. */
export async function dispatchCall(handlers: HeadroomHandlers, call: ParsedCall): Promise<unknown> {
  const handler = handlers[call.name] as (params: unknown) => unknown;
  return handler(call.params);
}
