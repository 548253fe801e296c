/**
 * The window, locked down in one place (Electron's security checklist): isolated, sandboxed, no
 * Node in the page, no navigation, no new windows, no permissions. The page is served from
 * `app://headroom/` (app-protocol.ts), never `file://`. Only the fixed links below leave the app,
 * and they open in the person's browser; any other URL a page asks to open is dropped.
 */
import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-protocol';

/** The only URLs the window may open outside (exact match): the kernel documentation it refers to. */
export const EXTERNAL_LINKS: ReadonlySet<string> = new Set([
  'https://docs.kernel.org/accounting/psi.html',
  'https://man7.org/linux/man-pages/man2/process_mrelease.2.html',
  'https://man7.org/linux/man-pages/man2/pidfd_open.2.html',
]);

/** Deny every permission the page could ask for (camera, notifications, geolocation…); it needs none. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** No navigation away from our page, no new windows, no <webview>; allow-listed links open outside. */
export function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (EXTERNAL_LINKS.has(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** The main window, hidden until its first paint so it never flashes blank. */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Headroom',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      // Electron's spellchecker downloads dictionaries from Google's CDN on Linux: no remote content.
      spellcheck: false,
    },
  });
  lockDown(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_INDEX_URL);
  return win;
}

/** True when `frameUrl` is our own page: `app://headroom/index.html` (or `/`), query and hash ignored. */
export function isOwnPage(frameUrl: string): boolean {
  try {
    const url = new URL(frameUrl);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '' && (url.pathname === '/index.html' || url.pathname === '/');
  } catch {
    return false;
  }
}
