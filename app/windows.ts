/**
 * The window, locked down in one place (Electron's security checklist): isolated, sandboxed, no
 * Node in the page, no navigation, no new windows, no permissions. Only https: links leave the app,
 * and they open in the person's browser.
 */
import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';

/** Deny every permission the page could ask for (camera, notifications, geolocation…); it needs none. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** No navigation away from our page, no new windows, no <webview>; https: links open outside. */
export function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** The main window, hidden until its first paint so it never flashes blank. */
export function createMainWindow(preloadPath: string, indexHtmlPath: string): BrowserWindow {
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
    },
  });
  lockDown(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadFile(indexHtmlPath);
  return win;
}

/** True when `frameUrl` is our own index.html (query and hash ignored). */
export function isOwnPage(frameUrl: string, indexHtmlPath: string): boolean {
  try {
    const url = new URL(frameUrl);
    return url.protocol === 'file:' && url.pathname === pathToFileURL(indexHtmlPath).pathname;
  } catch {
    return false;
  }
}
