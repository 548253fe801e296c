/**
 * Settings persisted as JSON in the user's config directory. The file is parsed with the contract's
 * schema on every load (never trusted). A file that cannot be used is never lost: it is renamed aside
 * (`settings.json.corrupt-<ISO time>`) with its exact bytes, defaults are used, and the state carries a
 * warning naming both files so the window can show it.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { defaultSettings, SettingsSchema, type Settings, type SettingsPatch, type SettingsState } from '../../contract/settings';
import type { SettingsStore } from '../service/types';

/** Where settings live outside Electron: `$XDG_CONFIG_HOME/Headroom/settings.json`, else `~/.config/Headroom/settings.json`. */
export function defaultSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.config');
  return join(base, 'Headroom', 'settings.json');
}

/**
 * A SettingsStore backed by `filePath`. The file is read once, here; `update` validates the merged
 * settings and writes them atomically (temp file 0600 in the same directory, fsync, rename), creating
 * the directory 0700 if needed. Throws only when saving fails (with the errno name and the path).
 */
export function createFileSettingsStore(filePath: string): SettingsStore {
  let state = loadSettings(filePath);
  return {
    get: () => structuredClone(state),
    update(patch: SettingsPatch): SettingsState {
      // Validate the merge as a whole so a patch can never produce a file we would refuse to load.
      const next = SettingsSchema.parse({ ...state.settings, ...definedOnly(patch) });
      saveSettings(filePath, next);
      // The warning about a kept-aside file stays for the session: saving does not make it less true.
      state = { settings: next, warning: state.warning };
      return structuredClone(state);
    },
  };
}

/** Read and validate the settings file: missing → defaults; unusable → defaults + warning, bad file kept aside. */
export function loadSettings(filePath: string): SettingsState {
  let text: string;
  try {
    text = readSmallFile(filePath);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { settings: defaultSettings(), warning: null };
    const reason = err instanceof TooLarge ? err.message : `it could not be read (${errnoCode(err) ?? 'error'})`;
    return { settings: defaultSettings(), warning: keepAside(filePath, reason) };
  }
  const problem = problemWith(text);
  if (problem.settings) return { settings: problem.settings, warning: null };
  return { settings: defaultSettings(), warning: keepAside(filePath, problem.reason) };
}

/** Write `settings` to `filePath` atomically with mode 0600; the directory is created 0700. */
export function saveSettings(filePath: string, settings: Settings): void {
  const dir = dirname(filePath);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`Could not create the settings folder ${dir} (${errnoCode(err) ?? 'error'}).`);
  }
  const temp = join(dir, `.${basename(filePath)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(settings, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, filePath);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file may never have been created; nothing else to clean.
    }
    throw new Error(`Could not save settings to ${filePath} (${errnoCode(err) ?? 'error'}).`);
  }
  fsyncDir(dir);
}

/** Real settings are a few hundred bytes; anything this big is not ours and is not read into memory. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

class TooLarge extends Error {}

function readSmallFile(filePath: string): string {
  const fd = openSync(filePath, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_SETTINGS_BYTES) throw new TooLarge(`it is ${size} bytes, far larger than any settings file`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function problemWith(text: string): { settings: Settings; reason?: undefined } | { settings?: undefined; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: 'it is not valid JSON' };
  }
  const parsed = SettingsSchema.safeParse(json);
  if (parsed.success) return { settings: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')}: ${issue.message})` : '';
  return { reason: `it does not hold valid settings${where}` };
}

/** Rename the unusable file aside and say so; if even that fails, say the file was left in place. */
function keepAside(filePath: string, reason: string): string {
  // Colons are legal on Linux but awkward in shells and file managers; ISO time with dashes reads fine.
  const aside = `${filePath}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
  try {
    renameSync(filePath, aside);
  } catch (err) {
    return `Settings file ${filePath} could not be used because ${reason}; defaults in use. It could not be moved aside (${errnoCode(err) ?? 'error'}), so it is left as it was until you save settings.`;
  }
  return `Settings file ${filePath} could not be used because ${reason}; defaults in use. The bad file was kept as ${basename(aside)}.`;
}

function definedOnly(patch: SettingsPatch): Partial<Settings> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<Settings>;
}

/** fsync the directory so the rename itself survives a crash; best effort (some filesystems refuse). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not all filesystems allow fsync on a directory; the data itself is already synced.
  }
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
