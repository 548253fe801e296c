/**
 * Picks the transport: the Electron preload bridge when `window.headroom` exists, else the
 * browser-mode WebSocket to the page's own host.
 */
import { BRIDGE_KEY } from '../../contract/channels';
import { createBridgeClient, isBridge } from './bridge-client';
import { alwaysOpen, type RendererClient } from './connection';
import { createWsClient, wsUrlFor } from './ws-client';

/** The client for this page. */
export function createClient(win: Window = window): RendererClient {
  const bridge = (win as unknown as Record<string, unknown>)[BRIDGE_KEY];
  if (isBridge(bridge)) return { client: createBridgeClient(bridge), connection: alwaysOpen() };
  return createWsClient({ url: wsUrlFor(win.location), WebSocketImpl: (win as Window & { WebSocket?: typeof WebSocket }).WebSocket });
}
