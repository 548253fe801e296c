/**
 * The sandboxed preload: exposes exactly the contract on `window.headroom` (HeadroomBridge) and never
 * ipcRenderer itself. It may import only `electron` and the channel names; Vite bundles it into one
 * CommonJS file (dist/app/preload.cjs) that requires nothing but `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HeadroomBridge } from '../contract/api';
import { BRIDGE_KEY, CALL_NAMES, EVENT_NAMES, ipcChannel, type CallName, type EventName } from '../contract/channels';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

const bridge: HeadroomBridge = {
  async call(name: string, params: unknown): Promise<unknown> {
    if (!(CALL_NAMES as readonly string[]).includes(name)) throw new Error(`Unknown call ${JSON.stringify(String(name).slice(0, 64))}.`);
    const reply = (await ipcRenderer.invoke(ipcChannel(name as CallName), params)) as Reply;
    // Only the message survives contextBridge; main already made it a sentence a person can read.
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.result;
  },
  subscribe(event: string, listener: (data: unknown) => void): () => void {
    if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`Unknown event ${JSON.stringify(String(event).slice(0, 64))}.`);
    if (typeof listener !== 'function') throw new Error('subscribe needs a listener function.');
    const channel = ipcChannel(event as EventName);
    // The Electron event object stays here: the page gets the payload only.
    const onMessage = (_event: IpcRendererEvent, data: unknown) => listener(data);
    ipcRenderer.on(channel, onMessage);
    return () => {
      ipcRenderer.removeListener(channel, onMessage);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
