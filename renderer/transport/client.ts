/**
 * Picks the transport: the Electron preload bridge when `window.headroom` exists, else the
 * browser-mode WebSocket to the page's own host.
 */
import { BRIDGE_KEY } from '../../contract/channels';
import { createBridgeClient, isBridge } from './bridge-client';
import { alwaysOpen, type RendererClient } from './connection';
import { reloadOnNewToken, takePageToken, wsProtocolsFor } from './page-token';
import { withSnapshotDeltas } from './snapshot-follower';
import { pageSocketClass } from './worker-socket';
import { createWsClient, wsUrlFor } from './ws-client';

/** The client for this page. */
export function createClient(win: Window = window): RendererClient {
  const bridge = (win as unknown as Record<string, unknown>)[BRIDGE_KEY];
  // Both transports carry one full snapshot then deltas; the window sees full snapshots (snapshot-follower.ts).
  if (isBridge(bridge)) return { client: withSnapshotDeltas(createBridgeClient(bridge)), connection: alwaysOpen() };
  const token = takePageToken(win);
  if (typeof win.addEventListener === 'function') reloadOnNewToken(win);
  const fetchImpl = (win as Window & { fetch?: typeof fetch }).fetch?.bind(win);
  const ws = createWsClient({
    url: wsUrlFor(win.location),
    protocols: wsProtocolsFor(token),
    // The static files need no token: if the page answers, the server is up and refused the token.
    serverIsUp: fetchImpl ? async () => (await fetchImpl('/', { method: 'HEAD', cache: 'no-store' })).ok : undefined,
    // The socket itself runs in a worker where the page can start one (worker-socket.ts).
    WebSocketImpl: pageSocketClass(win as Window & { WebSocket?: typeof WebSocket }),
  });
  return { ...ws, client: withSnapshotDeltas(ws.client, ws.connection) };
}
