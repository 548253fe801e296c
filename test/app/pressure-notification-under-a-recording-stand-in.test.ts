/**
 * THE REAL ELECTRON BINARY WAS NOT RUN. The built Electron main bundle (dist/app/main.js) runs under
 * Node with a recording stand-in for `electron` (test/app/electron-stand-in.ts). Everything else is
 * real: memory pressure is made for real (a child thrashing its page cache in a small child memory
 * cgroup, test/e2e/pressure.ts), the real sampler reads /proc/pressure/memory, the real notifier
 * decides, and the shell's notification glue runs: the notice names an app from the live snapshot,
 * and clicking it shows the window and asks the renderer for the reap confirmation (reapPrompt).
 * Nothing is reaped: the confirmation belongs to the renderer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipcChannel } from '../../contract/channels';
import { applyDelta, SnapshotDeltaSchema } from '../../contract/delta';
import { SnapshotSchema, type Snapshot } from '../../contract/snapshot';
import { startMemoryPressure, type MemoryPressure } from '../e2e/pressure';
import { createStandIn, requireWithStandIn, StandInBrowserWindow, StandInNotification, type StandIn } from './electron-stand-in';

const DIST = resolve(__dirname, '..', '..', 'dist');

let appData: string;
let standIn: StandIn;
let unhook: (() => void) | undefined;
let pressure: MemoryPressure | undefined;
let signalListenersBefore: Map<string, NodeJS.SignalsListener[]>;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  signalListenersBefore = new Map(['SIGINT', 'SIGTERM'].map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  appData = mkdtempSync(join(tmpdir(), 'headroom-notify-standin-'));
  // Threshold 0 (notify on any full stall) and a one-second hold, through the real settings file the
  // shell reads. The small pressure this test may make on a shared 2-core machine (load ~10 seen here)
  // gives a memory `full` avg10 of only 0.02–0.6 %; the threshold arithmetic is unit-tested in test/notify.
  mkdirSync(join(appData, 'Headroom'));
  writeFileSync(join(appData, 'Headroom', 'settings.json'), JSON.stringify({ fullThresholdPct: 0, notifyAfterSeconds: 1, notifications: true }));
});

afterAll(async () => {
  try {
    if (standIn && !standIn.app.quitFinished) {
      standIn.app.quit();
      await waitFor('the app to quit', () => (standIn.app.quitFinished ? true : undefined), 10_000).catch(() => undefined);
    }
  } finally {
    await pressure?.stop();
    unhook?.();
    for (const [signal, before] of signalListenersBefore) {
      for (const listener of process.listeners(signal as NodeJS.Signals)) if (!before.includes(listener)) process.removeListener(signal, listener);
    }
    rmSync(appData, { recursive: true, force: true });
  }
});

describe('a pressure notification from the built shell, under real memory pressure (real Electron not run)', () => {
  it('notifies, names an app from the live snapshot, and a click asks the window for the reap confirmation', async () => {
    StandInBrowserWindow.all.length = 0;
    StandInNotification.all.length = 0;
    standIn = createStandIn({ appDataDir: appData });
    unhook = requireWithStandIn(join(DIST, 'app', 'main.js'), standIn, DIST);
    standIn.ready();
    const win = await waitFor('the window', () => StandInBrowserWindow.all[0], 10_000);

    pressure = startMemoryPressure({ workDir: appData, lifetimeSec: 120 });
    await pressure.ready;
    const notification = await waitFor('a pressure notification', () => StandInNotification.all[0], 60_000);
    await pressure.stop();

    expect(notification.shown).toBe(true);
    expect(notification.options.title).toBe('Memory pressure is high');
    const body = String(notification.options.body);
    expect(body).toMatch(/^Memory pressure is high\. /);

    // What the window saw: the full snapshot it got first, then each delta applied (contract/delta.ts).
    const snapshots: Snapshot[] = [];
    for (const m of win.webContents.sent) {
      if (m.channel === ipcChannel('snapshot')) snapshots.push(SnapshotSchema.parse(m.data) as Snapshot);
      else if (m.channel === ipcChannel('snapshotDelta')) snapshots.push(applyDelta(snapshots.at(-1)!, SnapshotDeltaSchema.parse(m.data)));
    }
    // The notice came from real PSI: some snapshot the window got showed a memory `full` stall (the
    // latest may already read 0.00 again: avg10 decays and the kernel prints two decimals).
    expect(snapshots.some((s) => (s.psi?.memory?.full?.avg10 ?? 0) > 0)).toBe(true);

    const named = /^Memory pressure is high\. (.+) is using \d/.exec(body)?.[1];
    if (named !== undefined) {
      // An app was named: the Reap button is offered and it is an app the sampler really saw.
      expect(snapshots.some((s) => s.apps.some((a) => a.name === named))).toBe(true);
      expect(notification.options.actions).toEqual([{ type: 'button', text: 'Reap…' }]);
      win.calls.length = 0;
      notification.emit('click', {});
      expect(win.calls).toEqual(expect.arrayContaining(['show', 'focus']));
      const prompt = win.webContents.sent.find((m) => m.channel === ipcChannel('reapPrompt'));
      const appId = (prompt?.data as { appId: string } | undefined)?.appId;
      expect(snapshots.some((s) => s.apps.some((a) => a.id === appId && a.name === named))).toBe(true);
    } else {
      // No app could be suggested (all session-critical): no Reap offered, clicking only shows the window.
      expect(notification.options.actions).toEqual([]);
    }
    // One a minute at most: the pressure lasted seconds, so exactly one notice.
    expect(StandInNotification.all).toHaveLength(1);
  }, 90_000);
});
