/** The tray icon: its colour follows memory pressure; its menu shows the window, pauses, quits. */
import { Menu, nativeImage, Tray, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { TrayLevel } from '../main/notify/tray-level';

export interface TrayActions {
  showWindow(): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

export interface HeadroomTray {
  /** Show this level, tooltip and pause state; the icon and menu are only rebuilt when they change. */
  update(level: TrayLevel, tooltip: string, paused: boolean): void;
}

/** Create the tray from the three icons in `iconsDir` (app/assets, made by make-tray-icons.cjs). */
export function createTray(iconsDir: string, actions: TrayActions): HeadroomTray {
  const icons: Record<TrayLevel, NativeImage> = {
    calm: nativeImage.createFromPath(join(iconsDir, 'tray-calm.png')),
    some: nativeImage.createFromPath(join(iconsDir, 'tray-some.png')),
    full: nativeImage.createFromPath(join(iconsDir, 'tray-full.png')),
  };
  const tray = new Tray(icons.calm);
  let shown: { level: TrayLevel; paused: boolean | null } = { level: 'calm', paused: null };

  const menuFor = (paused: boolean) =>
    Menu.buildFromTemplate([
      { label: 'Show window', click: () => actions.showWindow() },
      { label: 'Pause sampling', type: 'checkbox', checked: paused, click: (item) => actions.setPaused(item.checked) },
      { type: 'separator' },
      { label: 'Quit Headroom', click: () => actions.quit() },
    ]);

  const update = (level: TrayLevel, tooltip: string, paused: boolean) => {
    if (level !== shown.level) tray.setImage(icons[level]);
    // Linux tray menus are copied when set: a changed checkbox needs the menu set again.
    if (paused !== shown.paused) tray.setContextMenu(menuFor(paused));
    tray.setToolTip(tooltip);
    shown = { level, paused };
  };
  update('calm', 'Headroom: starting…', false);
  return { update };
}
