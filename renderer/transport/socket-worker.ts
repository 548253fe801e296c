/**
 * The browser-mode WebSocket, held by a dedicated worker so that receiving a frame costs the
 * window's main thread only a message with the frame's text (worker-socket.ts is the page's side).
 *
 * Why: in Chromium, a WebSocket frame delivered to the page's main thread costs ~0.6 ms of
 * main-thread CPU per tick here (docs/BENCHMARKS.md, the window benchmark's floor) — the delivery,
 * not the JSON.parse of a few KB — a third of the whole per-update budget. In this worker the frame
 * arrives off the main thread; the page receives its text in a worker message and parses it.
 *
 * The worker is a dumb socket: the page's ws-client keeps all the logic (calls, queue, reconnect,
 * the refused-token check). Messages, page → worker: `{op:'open', id, url, protocols}`,
 * `{op:'send', id, data}`, `{op:'close', id}`; worker → page: `{op:'open'|'close', id}` and
 * `{op:'message', id, data}` with the frame's text (binary frames are dropped: the server sends
 * none). The token travels only page → this worker (same origin, nobody else can read it) → the
 * handshake's subprotocol.
 */

/** What the page sends to the worker. */
export type ToSocketWorker =
  | { op: 'open'; id: number; url: string; protocols: string[] }
  | { op: 'send'; id: number; data: string }
  | { op: 'close'; id: number };

/** What the worker sends to the page. */
export type FromSocketWorker = { op: 'open'; id: number } | { op: 'close'; id: number } | { op: 'message'; id: number; data: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToSocketWorker>) => void) | null;
  postMessage(message: FromSocketWorker): void;
}

/** Serve the page's socket requests in `scope` (the worker's global scope). */
export function serveSockets(scope: WorkerScope, WS: typeof WebSocket = WebSocket): void {
  const sockets = new Map<number, WebSocket>();
  scope.onmessage = (e) => {
    const m = e.data;
    if (m.op === 'open') {
      if (sockets.has(m.id)) return;
      let ws: WebSocket;
      try {
        ws = new WS(m.url, m.protocols);
      } catch {
        scope.postMessage({ op: 'close', id: m.id });
        return;
      }
      sockets.set(m.id, ws);
      ws.onopen = () => scope.postMessage({ op: 'open', id: m.id });
      ws.onmessage = (ev: MessageEvent) => {
        // The frame's text as it came: copying a string to the page is a memcpy, while a parsed
        // object would be rebuilt field by field there (structured clone), dearer than JSON.parse.
        if (typeof ev.data === 'string') scope.postMessage({ op: 'message', id: m.id, data: ev.data });
      };
      ws.onclose = () => {
        sockets.delete(m.id);
        scope.postMessage({ op: 'close', id: m.id });
      };
      ws.onerror = () => {};
    } else if (m.op === 'send') {
      const ws = sockets.get(m.id);
      if (ws && ws.readyState === WS.OPEN) ws.send(m.data);
    } else if (m.op === 'close') {
      sockets.get(m.id)?.close();
    }
  };
}

// In a dedicated worker (not when a test imports this module in a page-like environment).
if (typeof window === 'undefined' && typeof self !== 'undefined' && typeof WebSocket === 'function') {
  serveSockets(self as unknown as WorkerScope);
}
