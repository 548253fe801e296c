/**
 * `headroom guard` follows the window's settings file while it runs, so a guard started as a user
 * unit obeys what the person sets in the window (levels, sustain, cooldown, lists, auto-reap)
 * without a restart. The file is only read, never written or moved (settings/file-store.ts
 * `peekSettings`: no links, FIFOs, huge files or files others could write).
 *
 * Every `everyMs` an lstat tells whether the file changed (device, inode, size, mtime); only then
 * is it read. A missing file means the defaults (as in the window). An unusable file is said once
 * and the settings in force stay as they were: a half-written or hostile file never loosens the
 * guard. Command-line flags are applied on top by the caller (`overrides`), so they keep winning.
 */
import type { Settings } from '../../contract/settings';
import { defaultSettings } from '../../contract/plain';
import { peekSettings } from '../settings/file-store';
import { currentIdentity, sameIdentity, type FileIdentity } from '../settings/safe-file';

export interface SettingsFollower {
  /** The settings in force: the file's (or the defaults) with the overrides applied. */
  current(): Settings;
  /** Stop looking at the file. */
  stop(): void;
}

export interface FollowOptions {
  /** Applied to whatever the file holds (the guard's flags). */
  overrides(base: Settings): Settings;
  /** Called after the settings in force changed, with the new ones. */
  onChange(settings: Settings): void;
  /** A sentence for the person (the file could not be used). */
  say(line: string): void;
  /** How often to look for a change; 2 s by default. */
  everyMs?: number;
}

/** Read `filePath` now and follow its changes until `stop()`. */
export function followSettings(filePath: string, options: FollowOptions): SettingsFollower {
  let seen: FileIdentity | null = null;
  let base = defaultSettings();
  let started = false;

  const read = (): boolean => {
    seen = currentIdentity(filePath);
    const peeked = peekSettings(filePath);
    if (peeked.settings) base = peeked.settings;
    else if (peeked.warning) {
      options.say(`${peeked.warning} ${started ? 'The settings in force stay as they were.' : 'Using the defaults.'}`);
      return false;
    } else base = defaultSettings(); // No file (any more): the window uses the defaults too.
    return true;
  };

  read();
  started = true;
  let current = options.overrides(base);

  const timer = setInterval(() => {
    if (sameIdentity(currentIdentity(filePath), seen)) return;
    if (!read()) return;
    const next = options.overrides(base);
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    current = next;
    options.onChange(current);
  }, options.everyMs ?? 2000);
  timer.unref();

  return { current: () => current, stop: () => clearInterval(timer) };
}
