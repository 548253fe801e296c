/**
 * THE REAL ELECTRON BINARY WAS NOT RUN. It cannot be downloaded on this machine. This test runs the
 * BUILT Electron main bundle (dist/app/main.js, compiled from app/) under plain Node, with a recording
 * stand-in for the `electron` module (test/app/electron-stand-in.ts). What it proves: the shell's own
 * code registers and wires what it should (every contract channel, the window's security options,
 * navigation/window-open/permission denial, the IPC sender check, payload validation, tray, quit).
 * What it cannot prove: that Electron itself honours those options — see docs/ARCHITECTURE.md.
 * Underneath the stand-in everything is real: the service, its sampler reading /proc, the settings file.
 *
 * Needs a build first: `npx tsc -p tsconfig.build.json && npx vite build --config vite.preload.config.mts`
 * (npm test does both).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES, ipcChannel } from '../../contract/channels';
import { applyDelta, SnapshotDeltaSchema } from '../../contract/delta';
import { SettingsStateSchema } from '../../contract/settings';
import { SnapshotSchema } from '../../contract/snapshot';
import { StatusSchema } from '../../contract/status';
import {
  createStandIn,
  preventable,
  requireWithStandIn,
  StandInBrowserWindow,
  StandInNotification,
  StandInTray,
  StandInWebContents,
  type StandIn,
  type StandInFrame,
} from './electron-stand-in';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const MAIN_BUNDLE = join(DIST, 'app', 'main.js');
const PRELOAD_BUNDLE = join(DIST, 'app', 'preload.cjs');

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

let appData: string;
let standIn: StandIn;
let win: StandInBrowserWindow;
let unhook: () => void;
let signalListenersBefore: Map<string, NodeJS.SignalsListener[]>;

/** Invoke an IPC handler the way Electron would, from `sender` and `frame`. */
function invoke(channel: string, params: unknown, sender: StandInWebContents = win.webContents, frame: StandInFrame | null = win.webContents.mainFrame): Promise<Reply> {
  const handler = standIn.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve(handler({ sender, senderFrame: frame }, params)) as Promise<Reply>;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  for (const path of [MAIN_BUNDLE, PRELOAD_BUNDLE]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx tsc -p tsconfig.build.json && npx vite build --config vite.preload.config.mts)`);
  }
  signalListenersBefore = new Map(['SIGINT', 'SIGTERM'].map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  appData = mkdtempSync(join(tmpdir(), 'headroom-electron-standin-'));
  StandInBrowserWindow.all.length = 0;
  StandInTray.all.length = 0;
  StandInNotification.all.length = 0;
  standIn = createStandIn({ appDataDir: appData });
  unhook = requireWithStandIn(MAIN_BUNDLE, standIn, DIST);
  // Nothing may happen before Electron is ready: no window, no handlers.
  expect(StandInBrowserWindow.all).toHaveLength(0);
  expect(standIn.ipcHandlers.size).toBe(0);
  standIn.ready();
  win = await waitFor('the main window', () => StandInBrowserWindow.all[0]);
});

afterAll(async () => {
  // Quit through the shell's own path so the real service (sampler, reaper) is stopped.
  if (standIn && !standIn.app.quitFinished) {
    standIn.app.emit('window-all-closed');
    await waitFor('the app to quit', () => (standIn.app.quitFinished ? true : undefined)).catch(() => undefined);
  }
  unhook?.();
  for (const [signal, before] of signalListenersBefore ?? []) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!before.includes(listener)) process.removeListener(signal, listener);
    }
  }
  if (appData) rmSync(appData, { recursive: true, force: true });
});

describe('the built Electron main bundle under a recording stand-in (real Electron not run)', () => {
  it('registers exactly one ipcMain.handle per contract call', () => {
    expect([...standIn.ipcHandlers.keys()].sort()).toEqual(CALL_NAMES.map((n) => ipcChannel(n)).sort());
  });

  it('creates one window with the security options set', () => {
    expect(StandInBrowserWindow.all).toHaveLength(1);
    const prefs = win.options.webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.spellcheck).toBe(false);
    // Hidden until its first paint.
    expect(win.options.show).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });

  it('loads a preload from the build output and the page from app://headroom, never file://', () => {
    expect(win.options.webPreferences!.preload).toBe(PRELOAD_BUNDLE);
    expect(existsSync(PRELOAD_BUNDLE)).toBe(true);
    expect(win.loadedFile).toBeNull();
    expect(win.loadedUrl).toBe('app://headroom/index.html');
  });

  it('declares app: a standard secure scheme before ready, and serves it only after', () => {
    expect(standIn.privilegedSchemes).toHaveLength(1);
    expect(standIn.privilegedSchemes[0]!.beforeReady).toBe(true);
    expect(standIn.privilegedSchemes[0]!.schemes).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, bypassCSP: false, corsEnabled: false }) }),
    ]);
    expect([...standIn.protocolHandlers.keys()]).toEqual(['app']);
  });

  it('serves dist/renderer on app://headroom with its CSP (no ws:), and nothing outside it', async () => {
    const handler = standIn.protocolHandlers.get('app')!;
    const get = (url: string, method = 'GET') => Promise.resolve(handler(new Request(url, { method })));
    const index = await get('app://headroom/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await index.text();
    expect(html).toBe(readFileSync(join(DIST, 'renderer', 'index.html'), 'utf8'));
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    for (const csp of [meta, index.headers.get('content-security-policy')]) {
      expect(csp).toBeDefined();
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).toMatch(/connect-src 'self'(;|$)/);
      expect(csp).not.toMatch(/ws:/);
      expect(csp).not.toMatch(/unsafe-eval/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
    // The hashed bundle the page names is served too.
    const script = /<script[^>]+src="([^"]+)"/.exec(html)![1]!;
    const js = await get(new URL(script, 'app://headroom/index.html').href);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Out of the build by path, by encoded path, by another host, by method.
    // (The URL parser already folds `%2e%2e` segments; what is left must still stay inside.)
    for (const url of ['app://headroom/%2e%2e/main/cli.js', 'app://headroom/..%2fmain%2fcli.js', 'app://headroom/assets/..%2f..%2fmain%2fcli.js']) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(await res.text(), url).not.toMatch(/require\(/);
    }
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://headroom/nope.js')).status).toBe(404);
    expect((await get('app://headroom/index.html', 'POST')).status).toBe(405);
  });

  it('serves no link that points outside the build (real paths compared)', async () => {
    const { appRequestHandler } = require(join(DIST, 'app', 'app-protocol.js')) as { appRequestHandler: (dir: string) => (r: Request) => Promise<Response> };
    const dir = mkdtempSync(join(tmpdir(), 'headroom-app-scheme-'));
    try {
      mkdirSync(join(dir, 'renderer'));
      writeFileSync(join(dir, 'renderer', 'index.html'), '<html>page</html>');
      writeFileSync(join(dir, 'secret.txt'), 'outside');
      symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'escape.txt'));
      const handler = appRequestHandler(join(dir, 'renderer'));
      expect((await handler(new Request('app://headroom/index.html'))).status).toBe(200);
      const escape = await handler(new Request('app://headroom/escape.txt'));
      expect(escape.status).toBe(400);
      expect(await escape.text()).not.toContain('outside');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prevents navigation and <webview> attachment', () => {
    for (const event of ['will-navigate', 'will-attach-webview']) {
      expect(win.webContents.listenerCount(event)).toBeGreaterThan(0);
      const e = preventable();
      win.webContents.emit(event, e, 'https://example.com/');
      expect(e.defaultPrevented).toBe(true);
    }
  });

  it('denies every new window and opens only the allow-listed links outside', () => {
    const handler = win.webContents.windowOpenHandler!;
    expect(handler).not.toBeNull();
    const allowed = 'https://docs.kernel.org/accounting/psi.html';
    for (const url of [allowed, 'https://example.com/docs', 'https://docs.kernel.org/accounting/psi.html.evil.example/', 'https://docs.kernel.org/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'app://headroom/index.html']) {
      expect(handler({ url })).toEqual({ action: 'deny' });
    }
    expect(standIn.openedExternally).toEqual([allowed]);
  });

  it('locks down any other web contents created later too', () => {
    const other = new StandInWebContents();
    standIn.app.emit('web-contents-created', {}, other);
    const e = preventable();
    other.emit('will-navigate', e, 'https://example.com/');
    expect(e.defaultPrevented).toBe(true);
    expect(other.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      standIn.permissionRequestHandler!(win.webContents, permission, (granted: boolean) => answers.push(granted));
      expect(standIn.permissionCheckHandler!(win.webContents, permission, 'file://')).toBe(false);
    }
    expect(answers).toEqual([false, false, false, false]);
  });

  it('refuses calls from a foreign sender, a foreign page or a subframe; accepts only app://headroom/', async () => {
    const channel = ipcChannel('getStatus');
    expect(win.webContents.mainFrame.url).toBe('app://headroom/index.html');
    const stranger = new StandInWebContents();
    stranger.mainFrame = win.webContents.mainFrame;
    await expect(invoke(channel, {}, stranger, stranger.mainFrame)).rejects.toThrow(/did not come from Headroom's own window/);
    await expect(invoke(channel, {}, win.webContents, { url: 'https://evil.example/index.html', parent: null })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, { url: 'file:///tmp/index.html', parent: null })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, { url: `file://${join(DIST, 'renderer', 'index.html')}`, parent: null })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, { url: 'app://other/index.html', parent: null })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, { url: 'app://headroom/elsewhere.html', parent: null })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, { url: 'app://user:pw@headroom/index.html', parent: null })).rejects.toThrow(/own window/);
    for (const url of ['app://headroom/index.html?x=1#y', 'app://headroom/']) {
      expect((await invoke(channel, {}, win.webContents, { url, parent: null })).ok, url).toBe(true);
    }
    await expect(invoke(channel, {}, win.webContents, { url: win.webContents.mainFrame.url, parent: win.webContents.mainFrame })).rejects.toThrow(/own window/);
    await expect(invoke(channel, {}, win.webContents, null)).rejects.toThrow(/own window/);
  });

  it('answers malformed payloads with BAD_REQUEST and does nothing', async () => {
    const reap = await invoke(ipcChannel('reap'), { targets: [{ pid: 1, startTime: 0 }] });
    expect(reap).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const bad = await invoke(ipcChannel('setSettings'), { intervalMs: 'fast', extra: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/setSettings/);
    const unknownKey = await invoke(ipcChannel('getStatus'), { sneaky: true });
    expect(unknownKey).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // Nothing was saved by the rejected setSettings.
    expect(existsSync(join(appData, 'Headroom', 'settings.json'))).toBe(false);
  });

  it('answers valid calls from the real service underneath', async () => {
    const status = await invoke(ipcChannel('getStatus'), {});
    expect(status.ok).toBe(true);
    const parsed = StatusSchema.parse((status as { result: unknown }).result);
    expect(parsed.shell).toBe('electron');
    expect(parsed.uid).toBe(process.getuid!());

    const settings = await invoke(ipcChannel('getSettings'), undefined);
    expect(SettingsStateSchema.parse((settings as { result: unknown }).result).warning).toBeNull();
  });

  it('keeps settings in <appData>/Headroom/settings.json through the real file store, mode 0600', async () => {
    const reply = await invoke(ipcChannel('setSettings'), { historyMinutes: 7 });
    expect(reply).toMatchObject({ ok: true, result: { settings: { historyMinutes: 7 } } });
    const file = join(appData, 'Headroom', 'settings.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).historyMinutes).toBe(7);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The change is also pushed to the window as a 'settings' event.
    expect(win.webContents.sent.some((m) => m.channel === ipcChannel('settings'))).toBe(true);
  });

  it('forwards real sampler snapshots to the window on the contract channel', async () => {
    const sent = await waitFor('a snapshot sent to the window', () => win.webContents.sent.find((m) => m.channel === ipcChannel('snapshot')));
    const snapshot = SnapshotSchema.parse(sent.data);
    expect(snapshot.processes.some((p) => p.pid === process.pid)).toBe(true);
    // Every channel the window receives is a contract event channel.
    const eventChannels = new Set(EVENT_NAMES.map((e) => ipcChannel(e)));
    for (const m of win.webContents.sent) expect(eventChannels.has(m.channel)).toBe(true);
  });

  it('sends the window one full snapshot, then deltas that rebuild exactly what getSnapshot returns', async () => {
    const stream = () => win.webContents.sent.filter((m) => m.channel === ipcChannel('snapshot') || m.channel === ipcChannel('snapshotDelta'));
    await waitFor('three snapshot messages', () => (stream().length >= 3 ? true : undefined));
    const [first, ...rest] = stream();
    expect(first!.channel).toBe(ipcChannel('snapshot'));
    expect(rest.length).toBeGreaterThanOrEqual(2);
    expect(rest.every((m) => m.channel === ipcChannel('snapshotDelta'))).toBe(true);
    // Rebuild until the rebuilt tick is the service's latest, then compare with a getSnapshot call.
    const deadline = Date.now() + 10_000;
    for (;;) {
      let state = SnapshotSchema.parse(first!.data);
      for (const m of stream().slice(1)) state = applyDelta(state, SnapshotDeltaSchema.parse(m.data));
      const reply = (await invoke(ipcChannel('getSnapshot'), {})) as { result: { seq: number } };
      if (reply.result.seq === state.seq) {
        expect(state).toEqual(reply.result);
        break;
      }
      if (Date.now() > deadline) throw new Error('never caught the rebuilt tick equal to the latest');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('has a tray with the calm icon, a tooltip and Show / Pause / Quit', async () => {
    expect(StandInTray.all).toHaveLength(1);
    const tray = StandInTray.all[0]!;
    const first = tray.images[0] as { path: string; exists: boolean };
    expect(first.path.endsWith('tray-calm.png')).toBe(true);
    expect(first.exists).toBe(true);
    await waitFor('a tooltip from a snapshot', () => (/^Headroom: memory pressure/.test(tray.tooltip) ? true : undefined));
    expect(tray.menu!.filter((i) => i.label).map((i) => i.label)).toEqual(['Show window', 'Pause sampling', 'Quit Headroom']);
  });

  it('the tray Pause checkbox pauses the real service', async () => {
    const tray = StandInTray.all[0]!;
    const pause = tray.menu!.find((i) => i.label === 'Pause sampling')!;
    expect(pause.checked).toBe(false);
    pause.click!({ checked: true });
    const status = await invoke(ipcChannel('getStatus'), {});
    expect((status as { result: { paused: boolean } }).result.paused).toBe(true);
    await waitFor('the tray to say paused', () => (tray.tooltip === 'Headroom: sampling paused' ? true : undefined));
    expect(tray.menu!.find((i) => i.label === 'Pause sampling')!.checked).toBe(true);
    tray.menu!.find((i) => i.label === 'Pause sampling')!.click!({ checked: false });
    expect(((await invoke(ipcChannel('getStatus'), {})) as { result: { paused: boolean } }).result.paused).toBe(false);
  });

  it("replaces Electron's default menu: suppressed before ready, Headroom's own set after; Reload and DevTools only in a development run", () => {
    expect(standIn.applicationMenus[0]).toEqual({ menu: null, beforeReady: true });
    expect(standIn.applicationMenus).toHaveLength(2);
    const { menu, beforeReady } = standIn.applicationMenus[1]!;
    expect(beforeReady).toBe(false);
    expect(menu!.map((m) => m.label)).toEqual(['Headroom', 'Edit', 'View']);
    const roles = menu!.flatMap((m) => m.submenu ?? []).map((i) => i.role ?? i.label ?? i.type);
    // app.isPackaged is false here, as under `npm start`.
    expect(roles).toEqual(expect.arrayContaining(['reload', 'toggleDevTools', 'Quit Headroom', 'close', 'copy', 'paste', 'zoomIn']));
  });

  it('a second launch shows and focuses the existing window', () => {
    win.calls.length = 0;
    standIn.app.emit('second-instance', {}, ['headroom'], '/');
    expect(win.calls).toEqual(expect.arrayContaining(['show', 'focus']));
  });

  it('closing the window hides it to the tray while notifications are on', () => {
    expect(win.userCloses()).toBe(false);
    expect(win.visible).toBe(false);
    expect(win.destroyed).toBe(false);
    expect(standIn.app.quitCalls).toBe(0);
  });

  it('Quit stops the service first, then quits', async () => {
    const tray = StandInTray.all[0]!;
    tray.menu!.find((i) => i.label === 'Quit Headroom')!.click!({ checked: false });
    // The first quit is held back while the service (sampler, helper) stops.
    expect(standIn.app.quitCalls).toBe(1);
    expect(standIn.app.quitFinished).toBe(false);
    await waitFor('the app to quit', () => (standIn.app.quitFinished ? true : undefined));
    expect(standIn.app.quitCalls).toBe(2);
    // Once quitting, the window really closes instead of hiding.
    expect(win.userCloses()).toBe(true);
    // The sampler is stopped: no more snapshots reach the window.
    const count = win.webContents.sent.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(win.webContents.sent.length).toBe(count);
  });
});

describe('the preload bundle', () => {
  it('is one CommonJS file that requires only electron and exposes the bridge', () => {
    const code = readFileSync(PRELOAD_BUNDLE, 'utf8');
    const required = [...code.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bimport\(/);
    expect(code).toMatch(/exposeInMainWorld\("headroom"/);
    // ipcRenderer itself is never handed to the page.
    expect(code).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
  });
});

describe('with notifications off', () => {
  it('closing the window quits (after stopping the service) instead of hiding to the tray', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-electron-standin-off-'));
    const off = createStandIn({ appDataDir: dir });
    let unhookOff: (() => void) | undefined;
    try {
      mkdirSync(join(dir, 'Headroom'));
      writeFileSync(join(dir, 'Headroom', 'settings.json'), JSON.stringify({ notifications: false }));
      const before = StandInBrowserWindow.all.length;
      unhookOff = requireWithStandIn(MAIN_BUNDLE, off, DIST);
      off.ready();
      const offWin = await waitFor('the window', () => StandInBrowserWindow.all[before]);
      expect(offWin.userCloses()).toBe(true);
      off.app.emit('window-all-closed');
      expect(off.app.quitCalls).toBe(1);
      await waitFor('the app to quit', () => (off.app.quitFinished ? true : undefined));
    } finally {
      unhookOff?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('installed (app.isPackaged)', () => {
  it('has no Reload, no developer tools and no links in its menu, and its Quit (Ctrl+Q) stops the service first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-electron-standin-packaged-'));
    const packaged = createStandIn({ appDataDir: dir, packaged: true });
    let unhookPackaged: (() => void) | undefined;
    try {
      const before = StandInBrowserWindow.all.length;
      unhookPackaged = requireWithStandIn(MAIN_BUNDLE, packaged, DIST);
      packaged.ready();
      await waitFor('the window', () => StandInBrowserWindow.all[before]);
      const menu = packaged.applicationMenus.at(-1)!.menu!;
      const items = menu.flatMap((m) => m.submenu ?? []);
      const roles = items.map((i) => i.role).filter((r) => r !== undefined);
      for (const role of ['reload', 'forceReload', 'toggleDevTools', 'help', 'about']) expect(roles).not.toContain(role);
      expect(roles).toEqual(['close', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
      const quit = items.find((i) => i.label === 'Quit Headroom')!;
      expect(quit.accelerator).toBe('CmdOrCtrl+Q');
      quit.click!({ checked: false });
      expect(packaged.app.quitCalls).toBe(1);
      expect(packaged.app.quitFinished).toBe(false);
      await waitFor('the app to quit', () => (packaged.app.quitFinished ? true : undefined));
    } finally {
      unhookPackaged?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a second instance', () => {
  it('quits at once without a window when the single-instance lock is taken', () => {
    const second = createStandIn({ appDataDir: appData, singleInstance: false });
    const windowsBefore = StandInBrowserWindow.all.length;
    const unhookSecond = requireWithStandIn(MAIN_BUNDLE, second, DIST);
    try {
      second.ready();
      expect(second.app.quitCalls).toBe(1);
      expect(second.app.quitFinished).toBe(true);
      expect(second.ipcHandlers.size).toBe(0);
      expect(StandInBrowserWindow.all.length).toBe(windowsBefore);
    } finally {
      unhookSecond();
    }
  });
});
