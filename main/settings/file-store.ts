/**
 * Settings persisted as JSON in the user's config directory. The file is parsed with the contract's
 * schema on every load (never trusted), opened and written as safe-file.ts describes. A file that cannot be used is never lost: it is renamed aside
 * (`settings.json.corrupt-<ISO time>`) with its exact bytes, defaults are used, and the state carries a
 * warning naming both files so the window can show it.
 */
import { linkSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { defaultSettings } from '../../contract/plain';
import type { Settings, SettingsPatch, SettingsState } from '../../contract/settings';
import { lazyModule } from '../lazy-module';
import type { SettingsStore } from '../service/types';
import { currentIdentity, foreignOwnership, readRegularFile, sameIdentity, UnsafeFile, writeAtomically, writeRefusal, type FileIdentity } from './safe-file';

// The schema (zod) loads only when there is a file to parse or a change to validate: without a
// settings file, a headless serve starts without zod (contract/plain.ts has the defaults).
const settingsContract = lazyModule<typeof import('../../contract/settings')>('contract/settings');

/** Where settings live outside Electron: `$XDG_CONFIG_HOME/Headroom/settings.json`, else `~/.config/Headroom/settings.json`. */
export function defaultSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.config');
  return join(base, 'Headroom', 'settings.json');
}

/**
 * A SettingsStore backed by `filePath`. The file is read once, here (see safe-file.ts for how). `update`
 * validates the merged settings (throwing only for settings the schema refuses) and saves them
 * atomically, creating the folder 0700 if needed. A save that cannot happen — read-only or full disk,
 * a folder or file others could swap under us — does not fail the change: it applies until Headroom
 * quits, and the state's warning says so (one sentence, replaced by the next save's outcome). A file
 * changed by something else while Headroom ran is kept aside, never silently overwritten.
 */
export function createFileSettingsStore(filePath: string): SettingsStore {
  const loaded = load(filePath);
  const loadWarning = loaded.state.warning;
  let known = loaded.identity;
  let state = loaded.state;
  return {
    get: () => structuredClone(state),
    update(patch: SettingsPatch): SettingsState {
      // Validate the merge as a whole so a patch can never produce a file we would refuse to load.
      const next = settingsContract().SettingsSchema.parse({ ...state.settings, ...definedOnly(patch) });
      const saved = save(filePath, next, known);
      if (saved.identity) known = saved.identity;
      // The warning about a kept-aside file stays for the session: saving does not make it less true.
      const warning = [loadWarning, saved.warning].filter((w): w is string => w !== null).join(' ');
      state = { settings: next, warning: warning === '' ? null : warning };
      return structuredClone(state);
    },
  };
}

/** Read and validate the settings file: missing → defaults; unusable → defaults + warning, bad file kept aside. */
export function loadSettings(filePath: string): SettingsState {
  return load(filePath).state;
}

/**
 * Read the settings file without changing anything on disk, for readers that only follow the
 * window's settings (`headroom guard`): the same refusals as the store (no links, FIFOs, huge files,
 * files others could write), but an unusable file is left where it is. `settings` is null when the
 * file is missing or unusable; `warning` says why it was unusable.
 */
export function peekSettings(filePath: string): { settings: Settings | null; warning: string | null } {
  const loaded = load(filePath, 'leave');
  return { settings: loaded.identity ? loaded.state.settings : null, warning: loaded.state.warning };
}

/** Load `filePath`; an unusable file is renamed aside ('aside', the store) or left alone ('leave', a reader). */
function load(filePath: string, unusable: 'aside' | 'leave' = 'aside'): { state: SettingsState; identity: FileIdentity | null } {
  const defaults = (warning: string | null) => ({ state: { settings: defaultSettings(), warning }, identity: null });
  const bad = (reason: string) =>
    defaults(unusable === 'aside' ? keepAside(filePath, reason) : `Settings file ${filePath} could not be used because ${reason}.`);
  const notTrusted = (problem: string) => defaults(unusable === 'aside' ? untrusted(filePath, problem) : `Settings file ${filePath} was not read because ${problem}.`);
  const dir = dirname(filePath);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    return defaults(null); // No folder yet: nothing saved yet.
  }
  const dirProblem = foreignOwnership(dirStat, `the settings folder ${dir}`);
  if (dirProblem) return notTrusted(dirProblem);
  let read: ReturnType<typeof readRegularFile>;
  try {
    read = readRegularFile(filePath);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return defaults(null);
    const reason =
      err instanceof UnsafeFile ? err.message : errnoCode(err) === 'ELOOP' ? 'it is a symbolic link, and Headroom does not follow links there' : `it could not be read (${errnoCode(err) ?? 'error'})`;
    return bad(reason);
  }
  const fileProblem = foreignOwnership(read.stat, filePath);
  if (fileProblem) return notTrusted(fileProblem);
  const problem = problemWith(read.text);
  if (problem.settings) return { state: { settings: problem.settings, warning: null }, identity: read.identity };
  return bad(problem.reason);
}

function save(filePath: string, settings: Settings, known: FileIdentity | null): { identity: FileIdentity | null; warning: string | null } {
  const dir = dirname(filePath);
  const notSaved = (why: string) => ({ identity: null, warning: `Settings were not saved to ${filePath}: ${why}. The change applies until Headroom quits.` });
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return notSaved(`the folder could not be created (${errnoCode(err) ?? 'error'})`);
  }
  let replacedNote: string | null = null;
  let keepOther = false;
  try {
    const refusal = writeRefusal(dir, filePath);
    if (refusal) return notSaved(`${refusal}; make it yours alone (chown, chmod go-w) to save again`);
    const current = currentIdentity(filePath);
    keepOther = current !== null && !sameIdentity(current, known);
    const identity = writeAtomically(dir, filePath, JSON.stringify(settings, null, 2) + '\n', () => {
      if (!keepOther) return;
      // Changed by something else since we read or wrote it: keep that version rather than lose it —
      // a second name for it (a link), made only now that our own file is written, so a save that
      // fails leaves the other version where it was.
      const aside = `${filePath}.replaced-${isoForName()}`;
      linkSync(filePath, aside);
      replacedNote = `Settings file ${filePath} was changed outside Headroom while it ran; Headroom saved its own settings and kept the other version as ${basename(aside)}.`;
    });
    return { identity, warning: replacedNote };
  } catch (err) {
    return notSaved(`${errnoCode(err) ?? (err instanceof Error ? err.message : 'error')}${keepOther ? `; the version changed outside Headroom is still in ${basename(filePath)}` : ''}`);
  }
}

/** The warning for a settings file or folder someone else could have written: not read, not moved. */
function untrusted(filePath: string, problem: string): string {
  return `Settings file ${filePath} was not read because ${problem}; defaults in use. Make it yours alone (chown, chmod go-w) and restart Headroom.`;
}

function isoForName(): string {
  // Colons are legal on Linux but awkward in shells and file managers; ISO time with dashes reads fine.
  return new Date().toISOString().replace(/:/g, '-');
}

function problemWith(text: string): { settings: Settings; reason?: undefined } | { settings?: undefined; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: 'it is not valid JSON' };
  }
  const parsed = settingsContract().SettingsSchema.safeParse(json);
  if (parsed.success) return { settings: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')}: ${issue.message})` : '';
  return { reason: `it does not hold valid settings${where}` };
}

/** Rename the unusable file aside and say so; if even that fails, say the file was left in place. */
function keepAside(filePath: string, reason: string): string {
  const aside = `${filePath}.corrupt-${isoForName()}`;
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

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
