/**
 * The component boundary: a HeadroomClient that records every call, answers from a table of
 * handlers, and lets the test push events, exactly as a transport would deliver them.
 */
import type { CallParams, CallResult, EventData, HeadroomClient } from '../../contract/api';
import type { CallName, EventName } from '../../contract/channels';

type Handlers = { [K in CallName]?: (params: CallParams<K>) => CallResult<K> | Promise<CallResult<K>> };

export interface RecordedCall {
  name: CallName;
  params: unknown;
}

export interface RecordingClient extends HeadroomClient {
  calls: RecordedCall[];
  /** Deliver an event to every current subscriber. */
  emit<E extends EventName>(event: E, data: EventData<E>): void;
  /** How many listeners are subscribed to `event` now. */
  listenerCount(event: EventName): number;
  /** The recorded calls of one name. */
  callsOf(name: CallName): unknown[];
}

/** A fake client for component tests; unanswered calls reject like a failed call would. */
export function recordingClient(handlers: Handlers): RecordingClient {
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  const calls: RecordedCall[] = [];
  return {
    calls,
    call<K extends CallName>(name: K, params: CallParams<K>): Promise<CallResult<K>> {
      calls.push({ name, params });
      const handler = handlers[name] as ((p: CallParams<K>) => CallResult<K> | Promise<CallResult<K>>) | undefined;
      if (!handler) return Promise.reject(new Error(`no handler for ${name}`));
      try {
        return Promise.resolve(handler(params));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    subscribe<E extends EventName>(event: E, listener: (data: EventData<E>) => void, signal: AbortSignal): void {
      if (signal.aborted) return;
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (data: unknown) => void;
      set.add(l);
      signal.addEventListener('abort', () => set.delete(l), { once: true });
    },
    emit(event, data) {
      for (const l of [...(listeners.get(event) ?? [])]) l(data);
    },
    listenerCount(event) {
      return listeners.get(event)?.size ?? 0;
    },
    callsOf(name) {
      return calls.filter((c) => c.name === name).map((c) => c.params);
    },
  };
}
