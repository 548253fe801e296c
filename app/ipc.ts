/**
 * The contract over Electron IPC. Every call is checked twice: the sender must be our own window's
 * top frame showing our page at app://headroom/index.html, and the payload must pass the contract's schema (`parseCall`).
 * Replies are `{ ok, result }` or `{ ok: false, error: { code, message } }`, unwrapped by the preload.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { ApiError, dispatchCall, parseCall } from '../contract/api';
import { CALL_NAMES, EVENT_NAMES, ipcChannel } from '../contract/channels';
import { SnapshotFanout } from '../main/fanout/snapshot-fanout';
import type { HeadroomService } from '../main/service/types';
import { isOwnPage } from './windows';

function fromOwnWindow(event: IpcMainInvokeEvent, win: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  return win !== null && !win.isDestroyed() && event.sender.id === win.webContents.id && frame !== null && frame.parent === null && isOwnPage(frame.url);
}

/** Answer every contract call on its channel; anything not from `window()` is refused. */
export function serveCalls(service: HeadroomService, window: () => BrowserWindow | null): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(ipcChannel(name), async (event, params: unknown) => {
      if (!fromOwnWindow(event, window())) {
        throw new Error(`Refused ${name}: the request did not come from Headroom's own window.`);
      }
      try {
        return { ok: true, result: await dispatchCall(service.handlers, parseCall(name, params)) };
      } catch (err) {
        if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
        const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
        process.stderr.write(`headroom: call ${name} failed: ${err instanceof Error ? (err.stack ?? reason) : reason}\n`);
        return { ok: false, error: { code: 'INTERNAL', message: `${name} failed: ${reason}` } };
      }
    });
  }
}

/**
 * Send every contract event to the window while it exists (hidden windows still receive them).
 * Snapshots go as one full snapshot per page, then deltas (main/fanout/snapshot-fanout.ts): IPC
 * clones every object twice (into the renderer, then across contextBridge), so 2,000 unchanged
 * rows a second are worth not sending. A reloaded page asks for a full one (`getSnapshot`).
 */
export function forwardEvents(service: HeadroomService, window: () => BrowserWindow | null): void {
  for (const name of EVENT_NAMES) {
    if (name === 'snapshot' || name === 'snapshotDelta') continue;
    service.on(name, (data) => {
      const win = window();
      if (win !== null && !win.isDestroyed()) win.webContents.send(ipcChannel(name), data);
    });
  }
  const snapshots = new SnapshotFanout();
  service.on('snapshot', (snapshot) => {
    snapshots.push(snapshot);
    const win = window();
    if (win === null || win.isDestroyed()) return;
    const message = snapshots.messageFor(win.webContents);
    if (message !== null) win.webContents.send(ipcChannel(message.event), message.data);
  });
}
