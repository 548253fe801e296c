/**
 * The floor under the window benchmark: what the same Chromium costs per update when the page does
 * (almost) nothing with the same ticks. The window's goal is a per-update budget of main-thread CPU;
 * this says how much of any budget the browser and the transport take before the window renders.
 *
 * A relay connects to the running browser-mode server like a window does (its token, its Origin)
 * and forwards every WebSocket frame, byte for byte, to pages served from the relay's own origin:
 * - `empty`: a page with no script (Chromium's own background work per second);
 * - `receive`: the frames arrive on the page's main thread and are parsed (JSON.parse), nothing else;
 * - `receive + text`: as `receive`, and one text node changes per tick (one frame: style, layout,
 *   paint, commit of the smallest possible change);
 * - `worker + text`: the frames arrive in a dedicated worker, which parses them and posts one number
 *   per tick to the main thread, which changes one text node.
 * Updates are counted as the window counts them: one per `snapshot`/`snapshotDelta` frame.
 */
import { createServer, type Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { Tab } from './ui';

const RECEIVE = `const ws=new WebSocket('ws://'+location.host+'/ws');let n=0;ws.onmessage=(e)=>{const m=JSON.parse(e.data);if(m.event)n++;};`;
const TEXT = `const el=document.getElementById('t');const ws=new WebSocket('ws://'+location.host+'/ws');ws.onmessage=(e)=>{const m=JSON.parse(e.data);if(m.event==='snapshot'||m.event==='snapshotDelta')el.textContent=String(m.data.seq??m.data.time??Math.random());};`;
const WORKER = `const ws=new WebSocket('ws://'+location.host+'/ws');ws.onmessage=(e)=>{const m=JSON.parse(e.data);if(m.event==='snapshot'||m.event==='snapshotDelta')postMessage(m.data.seq??m.data.time??Math.random());};`;
const PAGES: Record<string, { type: string; body: string }> = {
  '/empty': { type: 'text/html', body: '<!doctype html><html><body><p>empty</p></body></html>' },
  '/receive': { type: 'text/html', body: `<!doctype html><html><body><p>receive</p><script>${RECEIVE}</script></body></html>` },
  '/text': { type: 'text/html', body: `<!doctype html><html><body><p id="t">text</p><script>${TEXT}</script></body></html>` },
  '/worker': {
    type: 'text/html',
    body: `<!doctype html><html><body><p id="t">worker</p><script>const el=document.getElementById('t');new Worker('/w.js').onmessage=(e)=>{el.textContent=String(e.data)};</script></body></html>`,
  },
  '/w.js': { type: 'text/javascript', body: WORKER },
};

/** The floor cases, in the order they are measured. */
export const FLOOR_CASES = [
  ['empty', '/empty'],
  ['receive', '/receive'],
  ['receive + text', '/text'],
  ['worker + text', '/worker'],
] as const;

/** Main-thread (and whole renderer) CPU per update for each floor case. */
export interface FloorResult {
  case: string;
  updates: number;
  mainThreadCpuMsPerUpdate: number | null;
  rendererCpuMsPerUpdate: number | null;
}

const isUpdate = (raw: WebSocket.RawData): boolean => {
  const head = String(raw).slice(0, 40);
  return head.startsWith('{"event":"snapshot"') || head.startsWith('{"event":"snapshotDelta"');
};

/**
 * Measure every floor case for `ms` each against the server at `serverUrl` (its printed address,
 * token in the fragment), in pages opened by `openTab`.
 */
export async function measureFloor(serverUrl: string, openTab: () => Promise<Tab>, ms: number): Promise<FloorResult[]> {
  const url = new URL(serverUrl);
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  const upstream = new WebSocket(`ws://${url.host}/ws`, token ? ['headroom', `headroom.token.${token}`] : ['headroom'], { origin: url.origin, perMessageDeflate: false });
  await new Promise((resolve, reject) => upstream.once('open', resolve).once('error', reject));
  const pages = new Set<WebSocket>();
  let updates = 0;
  upstream.on('message', (raw, isBinary) => {
    if (isUpdate(raw)) updates++;
    for (const p of pages) if (p.readyState === WebSocket.OPEN) p.send(raw, { binary: isBinary });
  });
  const server: Server = createServer((req, res) => {
    const page = PAGES[req.url ?? ''];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' }).end(page.body);
  });
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  wss.on('connection', (p) => {
    pages.add(p);
    p.on('close', () => pages.delete(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const results: FloorResult[] = [];
  try {
    for (const [name, path] of FLOOR_CASES) {
      const tab = await openTab();
      try {
        await tab.send('Page.navigate', { url: `http://127.0.0.1:${port}${path}` });
        await new Promise((r) => setTimeout(r, 3000));
        const before = tab.rendererCpuMs();
        const from = updates;
        await new Promise((r) => setTimeout(r, ms));
        const after = tab.rendererCpuMs();
        const n = updates - from;
        const per = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined || n === 0 ? null : Math.round(((y - x) / n) * 100) / 100);
        results.push({ case: name, updates: n, mainThreadCpuMsPerUpdate: per(before?.mainThread, after?.mainThread), rendererCpuMsPerUpdate: per(before?.process, after?.process) });
      } finally {
        await tab.close();
      }
    }
  } finally {
    upstream.close();
    for (const p of pages) p.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return results;
}
