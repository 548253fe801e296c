/**
 * The settings file against hostile file systems, on the real file system: a FIFO and a link to
 * /dev/zero where settings.json should be (each loaded in a child process with a time limit, so a
 * regression fails instead of hanging the suite), links planted at the temp name the old code used
 * and at settings.json itself, folders and files others can write or that another user owns, and a
 * file replaced while Headroom runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { createFileSettingsStore } from '../../main/settings/file-store';

const builtStore = join(__dirname, '..', '..', 'dist', 'main', 'settings', 'file-store.js');
const NOBODY = 65534;

let root: string;
let dir: string;
let file: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'headroom-hostile-settings-'));
  dir = join(root, 'Headroom');
  mkdirSync(dir, { mode: 0o700 });
  file = join(dir, 'settings.json');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Load the settings in a child (the built store) within 10 s: its state, or why it failed. */
function loadInChild(path: string): { state?: { settings: unknown; warning: string | null }; timedOut: boolean; ms: number } {
  expect(existsSync(builtStore), 'dist is not built: run npm run build').toBe(true);
  const script = `const { loadSettings } = require(${JSON.stringify(builtStore)}); process.stdout.write(JSON.stringify(loadSettings(${JSON.stringify(path)})));`;
  const started = Date.now();
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000, maxBuffer: 1024 * 1024 });
  const ms = Date.now() - started;
  if (res.error || res.status !== 0) return { timedOut: true, ms };
  return { state: JSON.parse(res.stdout), timedOut: false, ms };
}

describe('loading from hostile places', () => {
  it('a FIFO at settings.json does not block the start: refused as a named pipe and moved aside', () => {
    expect(spawnSync('mkfifo', ['-m', '600', file]).status).toBe(0);
    const loaded = loadInChild(file);
    expect(loaded.timedOut).toBe(false);
    expect(loaded.state!.settings).toEqual(defaultSettings());
    expect(loaded.state!.warning).toMatch(/not a regular file \(a named pipe\)/);
    const aside = readdirSync(dir).filter((n) => n.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(lstatSync(join(dir, aside[0]!)).isFIFO()).toBe(true);
  });

  it('a link to /dev/zero is not followed (no endless read), and is moved aside', () => {
    symlinkSync('/dev/zero', file);
    const loaded = loadInChild(file);
    expect(loaded.timedOut).toBe(false);
    expect(loaded.state!.settings).toEqual(defaultSettings());
    expect(loaded.state!.warning).toMatch(/symbolic link/);
    expect(existsSync(file)).toBe(false);
  });

  it('a link to a valid settings file elsewhere is not followed either', () => {
    const elsewhere = join(root, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ intervalMs: 500 }));
    symlinkSync(elsewhere, file);
    const state = createFileSettingsStore(file).get();
    expect(state.settings).toEqual(defaultSettings());
    expect(state.warning).toMatch(/symbolic link/);
    expect(readFileSync(elsewhere, 'utf8')).toBe(JSON.stringify({ intervalMs: 500 }));
  });

  it('a file in a folder others can write, or owned by another user, is not read and not moved', () => {
    writeFileSync(file, JSON.stringify({ intervalMs: 500 }), { mode: 0o600 });
    chmodSync(dir, 0o777);
    const openFolder = createFileSettingsStore(file).get();
    expect(openFolder.settings).toEqual(defaultSettings());
    expect(openFolder.warning).toMatch(/settings folder .* can be written by anyone \(mode 777\)/);
    chmodSync(dir, 0o700);
    chmodSync(file, 0o620);
    expect(createFileSettingsStore(file).get().warning).toMatch(/can be written by its group \(mode 620\)/);
    chmodSync(file, 0o600);
    chownSync(file, NOBODY, NOBODY);
    const foreign = createFileSettingsStore(file).get();
    expect(foreign.settings).toEqual(defaultSettings());
    expect(foreign.warning).toMatch(new RegExp(`belongs to another user \\(uid ${NOBODY}\\)`));
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ intervalMs: 500 }));
    // The control: the same file, ours alone, is read.
    chownSync(file, process.getuid!(), process.getgid!());
    expect(createFileSettingsStore(file).get()).toEqual({ settings: { ...defaultSettings(), intervalMs: 500 }, warning: null });
  });
});

describe('saving into hostile places', () => {
  it('a link planted at the temp name the old code used is never followed', () => {
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'do not touch');
    // The old temp name was predictable: .settings.json.<pid>.tmp.
    const planted = join(dir, `.settings.json.${process.pid}.tmp`);
    symlinkSync(victim, planted);
    const state = createFileSettingsStore(file).update({ intervalMs: 2000 });
    expect(state.warning).toBeNull();
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).intervalMs).toBe(2000);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    // Only the planted link and the file: the random temp name was renamed away.
    expect(readdirSync(dir).sort()).toEqual([`.settings.json.${process.pid}.tmp`, 'settings.json']);
  });

  it('settings.json made a link after the start is not written through', () => {
    const store = createFileSettingsStore(file);
    const victim = join(root, 'victim.json');
    writeFileSync(victim, 'do not touch');
    symlinkSync(victim, file);
    const state = store.update({ intervalMs: 2000 });
    expect(state.settings.intervalMs).toBe(2000);
    expect(state.warning).toMatch(/not saved .*is a symbolic link, and Headroom does not write through links/);
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
  });

  it('refuses to write into a folder others can write or another user owns, and saves again once it is fixed', () => {
    const store = createFileSettingsStore(file);
    chmodSync(dir, 0o770);
    const group = store.update({ intervalMs: 2000 });
    expect(group.settings.intervalMs).toBe(2000);
    expect(group.warning).toMatch(/not saved .*can be written by its group \(mode 770\); make it yours alone/);
    expect(existsSync(file)).toBe(false);
    chmodSync(dir, 0o700);
    chownSync(dir, NOBODY, NOBODY);
    expect(store.update({ intervalMs: 3000 }).warning).toMatch(/belongs to another user/);
    expect(existsSync(file)).toBe(false);
    chownSync(dir, process.getuid!(), process.getgid!());
    const fixed = store.update({ intervalMs: 4000 });
    expect(fixed.warning).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).intervalMs).toBe(4000);
  });

  it('a file replaced while running is kept aside, said once, and later saves are quiet', () => {
    const store = createFileSettingsStore(file);
    store.update({ intervalMs: 2000 });
    // Someone else (an editor, a sync tool) replaces the file.
    writeFileSync(join(dir, 'edited'), JSON.stringify({ intervalMs: 500 }), { mode: 0o600 });
    rmSync(file);
    writeFileSync(file, JSON.stringify({ intervalMs: 500 }), { mode: 0o600 });
    const state = store.update({ historyMinutes: 5 });
    expect(state.warning).toMatch(/was changed outside Headroom while it ran; Headroom saved its own settings and kept the other version as settings\.json\.replaced-/);
    const kept = readdirSync(dir).filter((n) => n.startsWith('settings.json.replaced-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0]!), 'utf8')).toBe(JSON.stringify({ intervalMs: 500 }));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ intervalMs: 2000, historyMinutes: 5 });
    // Said once: the next save finds the file as it left it.
    expect(store.update({ historyMinutes: 6 }).warning).toBeNull();
  });
});
