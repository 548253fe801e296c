/**
 * The window's menu bar, in place of Electron's default one (Reload, Force Reload, Toggle Developer
 * Tools, and Help links to electronjs.org): quitting, closing the window, the edit keys for the
 * settings' text fields, zoom for reading the table. Reload and the developer tools are there only
 * in a development run (`npm start`), never in the installed app.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** Quit Headroom (the app's own quit path: the service stops first). */
  quit(): void;
}

/** The menu's template: `packaged` is app.isPackaged (false under `npm start`). */
export function appMenuTemplate(packaged: boolean, actions: MenuActions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }];
  if (!packaged) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });
  return [
    {
      label: 'Headroom',
      submenu: [{ role: 'close', label: 'Close Window' }, { type: 'separator' }, { label: 'Quit Headroom', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() }],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: view },
  ];
}

/** Keep Electron from building its default menu: call before the app is ready. */
export function suppressDefaultMenu(): void {
  Menu.setApplicationMenu(null);
}

/** Set Headroom's menu (after the app is ready). */
export function setAppMenu(packaged: boolean, actions: MenuActions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(packaged, actions)));
}
