/**
 * The page's side of socket-worker.ts: a WebSocket look-alike (the part ws-client uses) whose
 * socket lives in a dedicated worker. ws-client takes it as its `WebSocketImpl`, unchanged: each
 * frame reaches it as the same text, in a worker message instead of a WebSocket event.
 *
 * When the page cannot run the worker (no Worker, a policy that refuses it, the script failing to
 * load), the page's own WebSocket is used instead: the worker is a saving, never a requirement. A
 * socket still connecting when the worker fails carries on as the page's own, so the window sees
 * no drop; an open one closes, and ws-client reconnects — through the page's own from then on.
 */
import type { FromSocketWorker, ToSocketWorker } from './socket-worker';

interface SocketLike {
  readyState: number;
  onopen: ((e: Event) => void) | null;
  onmessage: ((e: MessageEvent) => void) | null;
  onclose: ((e: Event) => void) | null;
  onerror: ((e: Event) => void) | null;
  send(data: string): void;
  close(): void;
}

/** A WebSocket constructor that runs each socket in `worker`, or the page's own (`fallback`) once the worker failed. */
export function workerSocketClass(worker: Worker, fallback: typeof WebSocket): typeof WebSocket {
  const open = new Map<number, WorkerSocket>();
  let nextId = 1;
  let broken = false;
  const post = (m: ToSocketWorker) => worker.postMessage(m);

  class WorkerSocket implements SocketLike {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    onopen: ((e: Event) => void) | null = null;
    onmessage: ((e: MessageEvent) => void) | null = null;
    onclose: ((e: Event) => void) | null = null;
    onerror: ((e: Event) => void) | null = null;
    readonly id = nextId++;
    /** The page's own socket, once the worker failed while this one was still connecting. */
    private inner: WebSocket | null = null;

    constructor(
      private readonly url: string | URL,
      private readonly protocols?: string | string[],
    ) {
      if (broken) {
        this.adopt();
        return;
      }
      open.set(this.id, this);
      post({ op: 'open', id: this.id, url: String(url), protocols: protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols });
    }

    send(data: string): void {
      if (this.inner) this.inner.send(data);
      else if (this.readyState === 1) post({ op: 'send', id: this.id, data });
    }

    close(): void {
      if (this.inner) return this.inner.close();
      if (this.readyState >= 2) return;
      this.readyState = 2;
      post({ op: 'close', id: this.id });
    }

    /** From the worker. */
    arrive(m: FromSocketWorker): void {
      if (m.op === 'open') {
        this.readyState = 1;
        this.onopen?.(new Event('open'));
      } else if (m.op === 'message') {
        this.onmessage?.(new MessageEvent('message', { data: m.data }));
      } else this.closed();
    }

    /** The worker failed: a socket still connecting carries on as the page's own; an open one closes (ws-client reconnects). */
    workerFailed(): void {
      open.delete(this.id);
      if (this.readyState === 0) this.adopt();
      else this.closed();
    }

    private adopt(): void {
      const ws = new fallback(this.url, this.protocols);
      this.inner = ws;
      ws.onopen = (e) => {
        this.readyState = 1;
        this.onopen?.(e);
      };
      ws.onmessage = (e) => this.onmessage?.(e);
      ws.onerror = (e) => this.onerror?.(e);
      ws.onclose = () => this.closed();
    }

    private closed(): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      open.delete(this.id);
      this.onclose?.(new Event('close'));
    }
  }

  worker.onmessage = (e: MessageEvent<FromSocketWorker>) => open.get(e.data.id)?.arrive(e.data);
  worker.onerror = () => {
    broken = true;
    worker.terminate();
    for (const s of [...open.values()]) s.workerFailed();
  };
  return WorkerSocket as unknown as typeof WebSocket;
}

/** The socket constructor for browser mode: in a worker when the page can start one, else the page's own. */
export function pageSocketClass(win: { WebSocket?: typeof WebSocket }): typeof WebSocket | undefined {
  const fallback = win.WebSocket;
  if (!fallback || typeof Worker !== 'function') return fallback;
  try {
    // Written exactly so (`new Worker(new URL(…, import.meta.url))`) for the bundler to build the worker.
    return workerSocketClass(new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module', name: 'headroom-socket' }), fallback);
  } catch {
    return fallback;
  }
}
