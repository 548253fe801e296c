/**
 * Picks the transport: the Electron preload bridge when `window.headroom` exists, else the
 * browser-mode WebSocket to the page's own host.
 */
import { BRIDGE_KEY } from '../../contract/channels';
import { createBridgeClient, isBridge } from './bridge-client';
import { alwaysOpen, type RendererClient } from './connection';
import { withSnapshotDeltas } from './snapshot-follower';
import { createWsClient, wsUrlFor } from './ws-client';

/** The client for this page. */
export function createClient(win: Window = window): RendererClient {
  const bridge = (win as unknown as Record<string, unknown>)[BRIDGE_KEY];
  // Both transports carry one full snapshot then deltas; the window sees full snapshots (snapshot-follower.ts).
  if (isBridge(bridge)) return { client: withSnapshotDeltas(createBridgeClient(bridge)), connection: alwaysOpen() };
  const ws = createWsClient({ url: wsUrlFor(win.location), WebSocketImpl: (win as Window & { WebSocket?: typeof WebSocket }).WebSocket });
  return { ...ws, client: withSnapshotDeltas(ws.client, ws.connection) };
}
