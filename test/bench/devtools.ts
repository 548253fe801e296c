/**
 * A bare DevTools connection to the page of a Chromium started with `--remote-debugging-port=0`:
 * the benchmarks drive the window through this rather than Playwright, whose network tracking copies
 * every WebSocket frame on the page's main thread and would inflate what is measured
 * (docs/BENCHMARKS.md, "Window").
 */
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';

/** One page's DevTools protocol: a command, and script evaluation that returns by value. */
export interface DevToolsPage {
  socket: WebSocket;
  send(method: string, params?: object): Promise<Record<string, unknown>>;
  evaluate<T>(expression: string): Promise<T>;
}

/** Wait for `chrome` to print its DevTools address, then connect to its first page. */
export async function connectPage(chrome: ChildProcess): Promise<DevToolsPage> {
  const browserUrl = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Chromium did not print its DevTools address within 20 s')), 20_000);
    chrome.stderr!.on('data', (d: Buffer) => {
      text += String(d);
      const m = /DevTools listening on (ws:\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    chrome.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before it listened`)));
  });
  const targets = (await (await fetch(`http://127.0.0.1:${new URL(browserUrl).port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.type === 'page');
  if (!target) throw new Error('Chromium has no page target');
  const socket = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 0;
  const waiting = new Map<number, { resolve(v: Record<string, unknown>): void; reject(e: Error): void }>();
  socket.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
    const w = m.id === undefined ? undefined : waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id!);
    if (m.error) w.reject(new Error(m.error.message));
    else w.resolve(m.result ?? {});
  });
  const send = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  return { socket, send, evaluate };
}
