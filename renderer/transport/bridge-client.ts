/**
 * The Electron transport: wraps the preload's plain-function bridge (`window.headroom`) into the
 * contract's HeadroomClient. An AbortSignal cannot cross contextBridge, so it is turned into the
 * unsubscribe function the bridge returns.
 */
import type { CallParams, CallResult, EventData, HeadroomBridge, HeadroomClient } from '../../contract/api';
import type { CallName, EventName } from '../../contract/channels';

/** A HeadroomClient over the preload bridge. Errors arrive as rejected promises carrying the ApiError's message. */
export function createBridgeClient(bridge: HeadroomBridge): HeadroomClient {
  return {
    call<K extends CallName>(name: K, params: CallParams<K>): Promise<CallResult<K>> {
      return bridge.call(name, params) as Promise<CallResult<K>>;
    },
    subscribe<E extends EventName>(event: E, listener: (data: EventData<E>) => void, signal: AbortSignal): void {
      if (signal.aborted) return;
      const stop = bridge.subscribe(event, listener as (data: unknown) => void);
      signal.addEventListener('abort', stop, { once: true });
    },
  };
}

/** True when `value` has the bridge's shape (two functions), as the preload exposes it. */
export function isBridge(value: unknown): value is HeadroomBridge {
  const v = value as Partial<HeadroomBridge> | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.call === 'function' && typeof v.subscribe === 'function';
}
