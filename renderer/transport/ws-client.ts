/**
 * The browser-mode transport (`headroom serve`): one WebSocket carrying contract/wire.ts framing.
 * Requests are `{id, call, params}`, replies `{id, ok, result|error}`, events `{event, data}`; the
 * server sends every event to every client, so subscribing is local. On a drop, pending calls
 * reject and the socket reconnects with backoff; the window shows the state and reloads its data
 * when the link is back.
 */
import { ApiError, CallUnanswered, type CallParams, type CallResult, type EventData, type HeadroomClient } from '../../contract/api';
import type { CallName, EventName } from '../../contract/channels';
import type { Connection, ConnectionState, RendererClient } from './connection';

export interface WsClientOptions {
  url: string;
  /** Subprotocols offered in the handshake (browser mode: `headroom` and the token, see page-token.ts). */
  protocols?: string[];
  /**
   * Asked after a connection failed before it opened: true when the server answers HTTP, so the
   * handshake itself was refused (a stale or missing token) rather than the server being down.
   */
  serverIsUp?: () => Promise<boolean>;
  /** First reconnect delay; doubles per failed attempt up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** The WebSocket constructor (the browser's by default). */
  WebSocketImpl?: typeof WebSocket;
}

export interface WsClient extends RendererClient {
  /** Close for good: pending calls reject, no reconnect. */
  close(): void;
}

/** What the page says when Headroom answers but refuses this page's token. */
export const UNAUTHORIZED_WORDS =
  'Headroom refused this page: it has no valid key. If Headroom was restarted, open the new address headroom serve printed (it ends in #token=\u2026).';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Written to the socket (not only queued for it). */
  sent: boolean;
}

/** The WebSocket URL for the page at `location`: same host, `/ws`. The token never goes in a URL. */
export function wsUrlFor(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** Connect to browser mode; the returned client queues calls made before the first connection opens. */
export function createWsClient(options: WsClientOptions): WsClient {
  const WS = options.WebSocketImpl ?? WebSocket;
  const minDelay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let queued: Array<{ id: number; text: string }> = [];
  let nextId = 1;
  let state: ConnectionState = 'connecting';
  let socket: WebSocket | null = null;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const rejectAll = (message: string) => {
    // A call already sent may have been carried out: it fails as unanswered, not as refused.
    for (const p of pending.values()) p.reject(p.sent ? new CallUnanswered(message) : new ApiError('INTERNAL', message));
    pending.clear();
  };

  const onMessage = (raw: unknown) => {
    if (typeof raw !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      return; // Not ours to crash on: a malformed frame is dropped.
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (typeof m.event === 'string') {
      const set = listeners.get(m.event);
      if (set) for (const l of [...set]) l(m.data);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok === true) p.resolve(m.result);
    else {
      const e = (m.error ?? {}) as { code?: unknown; message?: unknown };
      const code = e.code === 'BAD_REQUEST' || e.code === 'UNKNOWN_CALL' || e.code === 'FORBIDDEN' ? e.code : 'INTERNAL';
      p.reject(new ApiError(code, typeof e.message === 'string' ? e.message : 'The call failed.'));
    }
  };

  const connect = () => {
    if (closed) return;
    const ws = options.protocols ? new WS(options.url, options.protocols) : new WS(options.url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempts = 0;
      setState('open');
      const toSend = queued;
      queued = [];
      for (const frame of toSend) {
        ws.send(frame.text);
        const p = pending.get(frame.id);
        if (p) p.sent = true;
      }
    };
    ws.onmessage = (e: MessageEvent) => onMessage(e.data);
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      rejectAll('Lost the connection to Headroom before it answered.');
      if (closed) return;
      // Calls queued for the first connection fail too: the window reloads everything on reconnect.
      queued = [];
      setState(state === 'unauthorized' ? 'unauthorized' : 'reconnecting');
      if (!opened && options.serverIsUp) {
        // Refused or down? A browser cannot see the handshake's answer, so ask the server over HTTP.
        const probe = options.serverIsUp;
        void probe().then(
          (up) => {
            if (state !== 'open' && !closed) setState(up ? 'unauthorized' : 'reconnecting');
          },
          () => {},
        );
      }
      const delay = Math.min(maxDelay, minDelay * 2 ** attempts);
      attempts += 1;
      timer = setTimeout(connect, delay);
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => {};
  };

  const client: HeadroomClient = {
    call<K extends CallName>(name: K, params: CallParams<K>): Promise<CallResult<K>> {
      if (closed) return Promise.reject(new ApiError('INTERNAL', 'The connection to Headroom is closed.'));
      if (state === 'reconnecting') {
        return Promise.reject(new ApiError('INTERNAL', 'Disconnected from Headroom \u2014 reconnecting.'));
      }
      if (state === 'unauthorized') {
        return Promise.reject(new ApiError('INTERNAL', UNAUTHORIZED_WORDS));
      }
      const id = nextId++;
      const frame = JSON.stringify({ id, call: name, params });
      return new Promise<CallResult<K>>((resolve, reject) => {
        const sendNow = state === 'open' && socket !== null && socket.readyState === WS.OPEN;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, sent: sendNow });
        if (sendNow) socket!.send(frame);
        else queued.push({ id, text: frame });
      });
    },
    subscribe<E extends EventName>(event: E, listener: (data: EventData<E>) => void, signal: AbortSignal): void {
      if (signal.aborted) return;
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (data: unknown) => void;
      set.add(l);
      signal.addEventListener('abort', () => set.delete(l), { once: true });
    },
  };

  const connection: Connection = {
    state: () => state,
    onChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };

  connect();
  return {
    client,
    connection,
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      socket = null;
      rejectAll('The connection to Headroom is closed.');
    },
  };
}
