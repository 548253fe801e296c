/**
 * A RECORDING STAND-IN for the `electron` module, for running the built Electron main bundle
 * (dist/app/main.js) under plain Node. The real Electron binary cannot be downloaded on this machine,
 * so this is the only way the shell's code is executed by the test suite. It implements just the
 * surface app/ uses and records every call; nothing in it decides anything the shell should decide.
 * Everything underneath (the service, sampler, reaper, settings file) is real.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';

type Listener = (...args: unknown[]) => unknown;

/** A frame as ipcMain handlers see it in `event.senderFrame`. */
export interface StandInFrame {
  url: string;
  parent: StandInFrame | null;
}

let nextWebContentsId = 1;

export class StandInWebContents extends EventEmitter {
  /** Electron gives every WebContents a unique id; the shell compares senders by it. */
  readonly id = nextWebContentsId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: { channel: string; data: unknown }[] = [];
  mainFrame: StandInFrame = { url: '', parent: null };
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, data: unknown): void {
    this.sent.push({ channel, data });
  }
}

export class StandInBrowserWindow extends EventEmitter {
  static readonly all: StandInBrowserWindow[] = [];
  readonly webContents = new StandInWebContents();
  loadedFile: string | null = null;
  visible = false;
  destroyed = false;
  readonly calls: string[] = [];
  constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
    super();
    StandInBrowserWindow.all.push(this);
  }
  loadedUrl: string | null = null;
  loadFile(file: string): Promise<void> {
    this.loadedFile = file;
    this.webContents.mainFrame = { url: new URL(`file://${file}`).href, parent: null };
    return Promise.resolve();
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.mainFrame = { url, parent: null };
    return Promise.resolve();
  }
  show(): void {
    this.calls.push('show');
    this.visible = true;
  }
  hide(): void {
    this.calls.push('hide');
    this.visible = false;
  }
  focus(): void {
    this.calls.push('focus');
  }
  restore(): void {
    this.calls.push('restore');
  }
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What Electron does on the window's close button: 'close' (cancellable), then 'closed'. */
  userCloses(): boolean {
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroyed = true;
    this.emit('closed');
    return true;
  }
}

export interface MenuItemTemplate {
  label?: string;
  type?: string;
  role?: string;
  accelerator?: string;
  checked?: boolean;
  click?: (item: { checked: boolean }) => void;
  submenu?: MenuItemTemplate[];
}

export class StandInTray {
  static readonly all: StandInTray[] = [];
  readonly images: unknown[] = [];
  menu: MenuItemTemplate[] | null = null;
  tooltip = '';
  constructor(image: unknown) {
    this.images.push(image);
    StandInTray.all.push(this);
  }
  setImage(image: unknown): void {
    this.images.push(image);
  }
  setContextMenu(menu: MenuItemTemplate[]): void {
    this.menu = menu;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
}

export class StandInNotification extends EventEmitter {
  static readonly all: StandInNotification[] = [];
  static isSupported(): boolean {
    return true;
  }
  shown = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    StandInNotification.all.push(this);
  }
  show(): void {
    this.shown = true;
  }
  close(): void {}
}

/** An Electron-style event with preventDefault. */
export function preventable(): { defaultPrevented: boolean; preventDefault(): void } {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export interface StandIn {
  /** The object `require('electron')` returns. */
  electron: Record<string, unknown>;
  app: EventEmitter & { quitCalls: number; quitFinished: boolean; exitCode: number | null; paths: Map<string, string>; isPackaged: boolean; quit(): void };
  /** Every Menu.setApplicationMenu call in order: the menu (null to suppress one), and whether it came before ready. */
  applicationMenus: { menu: MenuItemTemplate[] | null; beforeReady: boolean }[];
  ipcHandlers: Map<string, Listener>;
  permissionRequestHandler: Listener | null;
  permissionCheckHandler: Listener | null;
  openedExternally: string[];
  /** Schemes declared with protocol.registerSchemesAsPrivileged, and whether that was before ready. */
  privilegedSchemes: { schemes: unknown[]; beforeReady: boolean }[];
  /** Handlers given to protocol.handle, by scheme. */
  protocolHandlers: Map<string, (request: Request) => Response | Promise<Response>>;
  /** Resolve app.whenReady(). */
  ready(): void;
}

/** A fresh stand-in. `singleInstance`: what requestSingleInstanceLock answers. */
export function createStandIn(opts: { appDataDir: string; singleInstance?: boolean; packaged?: boolean }): StandIn {
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  const app: StandIn['app'] = Object.assign(new EventEmitter(), {
    quit: () => {},
    quitCalls: 0,
    quitFinished: false,
    exitCode: null as number | null,
    paths: new Map<string, string>([['appData', opts.appDataDir]]),
    isPackaged: opts.packaged ?? false,
  });
  const standIn: StandIn = {
    electron: {},
    app,
    ipcHandlers: new Map(),
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    openedExternally: [],
    applicationMenus: [],
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    ready: () => {
      isReady = true;
      resolveReady();
    },
  };
  let isReady = false;
  Object.assign(app, {
    getPath(name: string): string {
      const path = app.paths.get(name);
      if (path === undefined) throw new Error(`stand-in: no path '${name}'`);
      return path;
    },
    setPath(name: string, path: string): void {
      app.paths.set(name, path);
    },
    requestSingleInstanceLock: () => opts.singleInstance ?? true,
    whenReady: () => readyPromise,
    /** Electron's order: 'before-quit' (cancellable); if nobody prevents it, the app quits. */
    quit(): void {
      app.quitCalls++;
      const event = preventable();
      app.emit('before-quit', event);
      if (!event.defaultPrevented) app.quitFinished = true;
    },
    exit(code: number): void {
      app.exitCode = code;
    },
  });
  standIn.electron = {
    app,
    BrowserWindow: StandInBrowserWindow,
    Tray: StandInTray,
    Notification: StandInNotification,
    Menu: {
      buildFromTemplate: (template: MenuItemTemplate[]) => template,
      setApplicationMenu: (menu: MenuItemTemplate[] | null) => standIn.applicationMenus.push({ menu, beforeReady: !isReady }),
    },
    nativeImage: { createFromPath: (path: string) => ({ path, exists: existsSync(path) }) },
    ipcMain: {
      handle(channel: string, listener: Listener): void {
        if (standIn.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        standIn.ipcHandlers.set(channel, listener);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: Listener) => (standIn.permissionRequestHandler = handler),
        setPermissionCheckHandler: (handler: Listener) => (standIn.permissionCheckHandler = handler),
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => standIn.privilegedSchemes.push({ schemes, beforeReady: !isReady }),
      handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
        if (!isReady) throw new Error('stand-in: protocol.handle before the app is ready (Electron refuses this)');
        standIn.protocolHandlers.set(scheme, handler);
      },
    },
    shell: {
      openExternal: async (url: string) => {
        standIn.openedExternally.push(url);
      },
    },
  };
  return standIn;
}

const STAND_IN_PATH = join(__dirname, '__electron-stand-in__.js');
type ModuleInternals = typeof Module & {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _cache: Record<string, unknown>;
};

/**
 * Require `entry` (the built main bundle) with `require('electron')` answered by the stand-in.
 * Every module under `freshUnder` is evicted from the require cache first, so each load runs the
 * shell's top-level code again. Returns a function that removes the hook.
 */
export function requireWithStandIn(entry: string, standIn: StandIn, freshUnder: string): () => void {
  const internals = Module as ModuleInternals;
  const originalResolve = internals._resolveFilename;
  internals._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === 'electron') return STAND_IN_PATH;
    return originalResolve.call(this, request, ...rest);
  };
  const cache = Module.createRequire(entry).cache;
  for (const key of Object.keys(cache)) if (key.startsWith(freshUnder)) delete cache[key];
  const stub = new Module(STAND_IN_PATH);
  stub.filename = STAND_IN_PATH;
  stub.loaded = true;
  stub.exports = standIn.electron;
  cache[STAND_IN_PATH] = stub;
  try {
    Module.createRequire(entry)(entry);
  } finally {
    internals._resolveFilename = originalResolve;
  }
  return () => {
    delete cache[STAND_IN_PATH];
  };
}
