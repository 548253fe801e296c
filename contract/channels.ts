/**
 * The names of every call and event between the renderer and main. Plain constants with no
 * dependencies, so the sandboxed preload can bundle them without pulling in anything else.
 */

/** Request/response calls: the renderer asks, main answers. */
export const CALL_NAMES = ['getSnapshot', 'getHistory', 'getStatus', 'reap', 'getSettings', 'setSettings', 'setPaused', 'getGuard'] as const;
export type CallName = (typeof CALL_NAMES)[number];

/**
 * Push events: main tells, the renderer listens. A window gets one full `snapshot` first (on
 * connect, or after it fell behind), then a `snapshotDelta` per tick against the snapshot it holds.
 */
export const EVENT_NAMES = ['snapshot', 'status', 'markers', 'settings', 'reapPrompt', 'guard', 'snapshotDelta'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The Electron IPC channel of a call or event. */
export function ipcChannel(name: CallName | EventName): string {
  return `headroom:${name}`;
}

/** The name under which the preload exposes the contract on `window`. */
export const BRIDGE_KEY = 'headroom';
