/** The settings file store on the real file system: load, save, corruption kept aside, permissions. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { createFileSettingsStore, defaultSettingsPath } from '../../main/settings/file-store';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-settings-'));
  file = join(dir, 'Headroom', 'settings.json');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function keptAside(): string[] {
  return readdirSync(join(dir, 'Headroom')).filter((n) => n.startsWith('settings.json.corrupt-'));
}

describe('defaultSettingsPath', () => {
  it('uses XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
    expect(defaultSettingsPath({ XDG_CONFIG_HOME: '/x/conf' })).toBe('/x/conf/Headroom/settings.json');
    const home = defaultSettingsPath({});
    expect(home.endsWith('/.config/Headroom/settings.json')).toBe(true);
    // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    expect(defaultSettingsPath({ XDG_CONFIG_HOME: 'rel' })).toBe(home);
  });
});

describe('createFileSettingsStore', () => {
  it('a missing file gives the defaults with no warning and creates nothing', () => {
    const store = createFileSettingsStore(file);
    expect(store.get()).toEqual({ settings: defaultSettings(), warning: null });
    expect(existsSync(join(dir, 'Headroom'))).toBe(false);
  });

  it('update merges, saves with mode 0600 in a 0700 folder, and a new store reads it back', () => {
    const store = createFileSettingsStore(file);
    const state = store.update({ intervalMs: 2000, notifications: false });
    expect(state.settings).toEqual({ ...defaultSettings(), intervalMs: 2000, notifications: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'Headroom')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state.settings);
    // Only the file itself remains: the temp file was renamed, not left behind.
    expect(readdirSync(join(dir, 'Headroom'))).toEqual(['settings.json']);

    const second = store.update({ guardActFullPct: 25 });
    expect(second.settings.intervalMs).toBe(2000);
    expect(second.settings.guardActFullPct).toBe(25);
    expect(createFileSettingsStore(file).get()).toEqual({ settings: second.settings, warning: null });
  });

  it('update refuses an invalid merged result and leaves the file untouched', () => {
    const store = createFileSettingsStore(file);
    store.update({ intervalMs: 3000 });
    const before = readFileSync(file, 'utf8');
    expect(() => store.update({ intervalMs: 5 } as never)).toThrow();
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(store.get().settings.intervalMs).toBe(3000);
  });

  it('get returns a copy: mutating it does not change the store', () => {
    const store = createFileSettingsStore(file);
    store.get().settings.sessionCritical.push('evil');
    expect(store.get().settings.sessionCritical).not.toContain('evil');
  });

  it('a partial file is completed with defaults and unknown keys are dropped without a warning', () => {
    mkdirSync(join(dir, 'Headroom'));
    // notifyAfterSeconds: written by builds before the guard took over notifications; the two
    // chart-only thresholds: by builds before the chart showed the guard's levels.
    writeFileSync(file, JSON.stringify({ intervalMs: 500, fromTheFuture: true, notifyAfterSeconds: 5, someThresholdPct: 30, fullThresholdPct: 15 }));
    const state = createFileSettingsStore(file).get();
    expect(state.warning).toBeNull();
    expect(state.settings).toEqual({ ...defaultSettings(), intervalMs: 500 });
    for (const gone of ['fromTheFuture', 'notifyAfterSeconds', 'someThresholdPct', 'fullThresholdPct']) expect(state.settings).not.toHaveProperty(gone);
    expect(keptAside()).toEqual([]);
  });

  for (const [what, bytes] of [
    ['bad JSON', '{"intervalMs": 1000,'],
    ['a schema failure', JSON.stringify({ intervalMs: 'fast' })],
    ['binary garbage', '\u0000\u00ff\u0001not settings'],
  ] as const) {
    it(`a file with ${what} gives defaults + a warning naming the file, and is kept aside with its exact bytes`, () => {
      mkdirSync(join(dir, 'Headroom'));
      writeFileSync(file, bytes);
      const original = readFileSync(file);
      const store = createFileSettingsStore(file);
      const state = store.get();
      expect(state.settings).toEqual(defaultSettings());
      expect(state.warning).toContain(file);
      const aside = keptAside();
      expect(aside).toHaveLength(1);
      expect(aside[0]).toMatch(/^settings\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
      expect(state.warning).toContain(aside[0]);
      expect(readFileSync(join(dir, 'Headroom', aside[0]!)).equals(original)).toBe(true);
      expect(existsSync(file)).toBe(false);

      // A later save writes a fresh file and does not touch the kept one; the warning stays visible.
      const saved = store.update({ historyMinutes: 5 });
      expect(saved.warning).toBe(state.warning);
      expect(keptAside()).toEqual(aside);
      expect(readFileSync(join(dir, 'Headroom', aside[0]!)).equals(original)).toBe(true);
      expect(createFileSettingsStore(file).get()).toEqual({ settings: { ...defaultSettings(), historyMinutes: 5 }, warning: null });
    });
  }

  it('a settings path that is a folder, or a huge file, is moved aside too, never overwritten', () => {
    mkdirSync(join(dir, 'Headroom', 'settings.json'), { recursive: true });
    writeFileSync(join(dir, 'Headroom', 'settings.json', 'inside'), 'keep me');
    const state = createFileSettingsStore(file).get();
    expect(state.settings).toEqual(defaultSettings());
    expect(state.warning).toMatch(/it is not a regular file \(a folder\)/);
    const aside = keptAside();
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, 'Headroom', aside[0]!, 'inside'), 'utf8')).toBe('keep me');

    rmSync(join(dir, 'Headroom'), { recursive: true });
    mkdirSync(join(dir, 'Headroom'));
    writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 0x20));
    const big = createFileSettingsStore(file).get();
    expect(big.warning).toMatch(/2097152 bytes/);
    expect(keptAside()).toHaveLength(1);
    expect(existsSync(file)).toBe(false);
  });

  it('the schema error names the bad field', () => {
    mkdirSync(join(dir, 'Headroom'));
    writeFileSync(file, JSON.stringify({ guardActFullPct: 500 }));
    expect(createFileSettingsStore(file).get().warning).toMatch(/guardActFullPct/);
  });

  it('a save that cannot happen keeps the change for the session and says why, with the errno name', () => {
    // Root ignores directory permissions; a path under a regular file fails for anyone (ENOTDIR).
    writeFileSync(join(dir, 'plain-file'), '');
    const store = createFileSettingsStore(join(dir, 'plain-file', 'settings.json'));
    const state = store.update({ intervalMs: 2000 });
    expect(state.settings.intervalMs).toBe(2000);
    expect(state.warning).toMatch(/not saved to .*plain-file\/settings\.json: the folder could not be created \((ENOTDIR|EEXIST)\)\. The change applies until Headroom quits\./);
    expect(store.get()).toEqual(state);
  });
});
