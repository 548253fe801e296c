/**
 * The link to main as the status bar sees it. The Electron bridge is always connected; the
 * browser-mode WebSocket can drop and reconnect.
 */
import type { HeadroomClient } from '../../contract/api';

/** `unauthorized`: the server answers but refused the handshake (browser mode: no valid token). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface Connection {
  state(): ConnectionState;
  /** Listen to state changes; returns the function that stops listening. */
  onChange(listener: (state: ConnectionState) => void): () => void;
}

/** A client plus its connection state: what the window is given. */
export interface RendererClient {
  client: HeadroomClient;
  connection: Connection;
}

/** A connection that is always open (the Electron bridge, component tests). */
export function alwaysOpen(): Connection {
  return { state: () => 'open', onChange: () => () => {} };
}
