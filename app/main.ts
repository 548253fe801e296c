/**
 * The Electron main process: thin glue between Electron and the plain-Node core. The service
 * (sampler, reaper, settings, guard) lives in main/; the notification and tray decisions in main/notify
 * (notifications follow the pressure guard: one warning per episode, one notice per auto-reap).
 * Only this folder imports `electron`, and it cannot run in CI: see docs/ARCHITECTURE.md.
 */
import { app, BrowserWindow, Notification } from 'electron';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { notificationBody } from '../contract/display-name';
import type { Settings } from '../contract/settings';
import type { Snapshot } from '../contract/snapshot';
import { GuardNotifier, type GuardNotice } from '../main/notify/guard-notifier';
import { trayLevel, trayTooltip } from '../main/notify/tray-level';
import { createHeadroomService } from '../main/service/headroom-service';
import { createFileSettingsStore } from '../main/settings/file-store';
import { registerAppScheme, serveAppScheme } from './app-protocol';
import { forwardEvents, serveCalls } from './ipc';
import { setAppMenu, suppressDefaultMenu } from './menu';
import { createTray } from './tray';
import { createMainWindow, denyAllPermissions, lockDown } from './windows';

const PRELOAD = join(__dirname, 'preload.cjs');
const RENDERER_DIR = join(__dirname, '..', 'renderer');
const ICONS = join(__dirname, '..', '..', 'app', 'assets');

// ~/.config/Headroom (XDG): the same settings.json `headroom serve` uses.
app.setPath('userData', join(app.getPath('appData'), 'Headroom'));

// The window's scheme must be declared before the app is ready (app-protocol.ts says why not file://).
registerAppScheme();
// Electron builds its default menu (Reload, Developer Tools, links to electronjs.org) at ready unless
// one is set before: ours is set in start() (menu.ts).
suppressDefaultMenu();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.whenReady().then(start, (err: unknown) => {
    process.stderr.write(`headroom: Electron did not start: ${String(err)}\n`);
    app.exit(1);
  });
}

function start(): void {
  denyAllPermissions();
  serveAppScheme(RENDERER_DIR);
  const store = createFileSettingsStore(join(app.getPath('userData'), 'settings.json'));
  const service = createHeadroomService({ shell: 'electron', settings: store });
  let settings: Settings = store.get().settings;
  let paused = false;
  let stopping = false;
  let stopped = false;
  let win: BrowserWindow | null = createMainWindow(PRELOAD);
  const showWindow = () => {
    if (win === null || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const notifier = new GuardNotifier();
  // Kept referenced until the next one: a collected Notification loses its click handler.
  let lastNotification: Notification | null = null;
  const notify = (notice: GuardNotice) => {
    const appId = notice.appId;
    const n = new Notification({
      title: notice.title,
      // Linux notification servers may read the body as markup: a name with & or < must stay text.
      body: notificationBody(appId === null ? notice.body : `${notice.body} Click to review it in Headroom.`),
      urgency: notice.kind === 'warning' ? 'critical' : 'normal',
      actions: appId === null ? [] : [{ type: 'button', text: 'Reap…' }],
    });
    // Nothing is killed here: the window opens its confirmation, and the person decides there.
    const open = () => {
      showWindow();
      if (appId !== null) service.promptReap(appId);
    };
    n.on('click', open);
    n.on('action', open);
    // Critical notices stay until dismissed: replace the previous one rather than pile them up.
    lastNotification?.close();
    n.show();
    lastNotification = n;
  };

  setAppMenu(app.isPackaged, { quit: () => app.quit() });
  serveCalls(service, () => win);
  forwardEvents(service, () => win);
  app.on('second-instance', showWindow);
  const tray = createTray(ICONS, {
    showWindow,
    setPaused: (wanted) => void service.handlers.setPaused({ paused: wanted }),
    quit: () => app.quit(),
  });
  let latest: Snapshot | null = null;
  const refreshTray = () => tray.update(paused ? 'calm' : trayLevel(latest, settings), trayTooltip(latest, settings, paused), paused);
  service.on('settings', (state) => {
    settings = state.settings;
    refreshTray();
  });
  service.on('status', (status) => {
    paused = status.paused;
    refreshTray();
  });
  service.on('snapshot', (snapshot) => {
    latest = snapshot;
    refreshTray();
  });
  service.on('guard', (state) => {
    for (const notice of notifier.observe(state, settings, performance.now())) if (Notification.isSupported()) notify(notice);
  });

  // Closing the window keeps Headroom watching from the tray while notifications are on.
  win.on('close', (event) => {
    if (!stopping && settings.notifications) {
      event.preventDefault();
      win?.hide();
    }
  });
  win.on('closed', () => (win = null));
  app.on('window-all-closed', () => app.quit());
  // Quit stops the sampler and the privileged helper before Electron exits.
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    service
      .close()
      .catch((err: unknown) => process.stderr.write(`headroom: stopping the service failed: ${String(err)}\n`))
      .finally(() => {
        stopped = true;
        lastNotification?.close();
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  service.start();
}
