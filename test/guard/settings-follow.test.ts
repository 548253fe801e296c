/**
 * The headless guard follows the window's settings file while it runs: real files, a real FIFO, and
 * the built `headroom guard` as the drill user (it can only ever act on that user's processes, of
 * which there are none but itself).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../contract/settings';
import { followSettings, type SettingsFollower } from '../../main/guard/settings-follow';
import { DRILL_UID, drillWorkDir, removeGuardRuntime, startGuard, type GuardProcess } from './guard-process';

const until = async (what: string, check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('followSettings', () => {
  let dir: string;
  let follower: SettingsFollower | null = null;
  afterEach(() => {
    follower?.stop();
    follower = null;
    rmSync(dir, { recursive: true, force: true });
  });

  function start(overrides: (s: Settings) => Settings = (s) => s) {
    dir = mkdtempSync(join(tmpdir(), 'headroom-follow-'));
    const file = join(dir, 'settings.json');
    const changes: Settings[] = [];
    const said: string[] = [];
    return {
      file,
      changes,
      said,
      follow: () => (follower = followSettings(file, { overrides, onChange: (s) => changes.push(s), say: (l) => said.push(l), everyMs: 25 })),
    };
  }

  it('starts from the file, follows a change within a look, and the overrides keep winning', async () => {
    const t = start((s) => ({ ...s, guardActFullPct: 33 }));
    writeFileSync(t.file, JSON.stringify({ guardWarnSomePct: 12, guardActFullPct: 50 }), { mode: 0o600 });
    const f = t.follow();
    expect(f.current()).toMatchObject({ guardWarnSomePct: 12, guardActFullPct: 33, autoReap: false });
    writeFileSync(t.file, JSON.stringify({ guardWarnSomePct: 7, guardActFullPct: 60, autoReap: true, autoReapAvoid: ['firefox'] }));
    await until('the change is followed', () => t.changes.length === 1);
    expect(f.current()).toMatchObject({ guardWarnSomePct: 7, guardActFullPct: 33, autoReap: true, autoReapAvoid: ['firefox'] });
    expect(t.changes[0]).toEqual(f.current());
    expect(t.said).toEqual([]);
  });

  it('a file made unusable keeps the settings in force, is said once, and is left where it is', async () => {
    const t = start();
    writeFileSync(t.file, JSON.stringify({ guardWarnSomePct: 15 }), { mode: 0o600 });
    const f = t.follow();
    rmSync(t.file);
    // A named pipe must not block the guard; a reader (never the store) does not move it aside.
    expect(spawnSync('mkfifo', ['-m', '600', t.file]).status).toBe(0);
    await until('the FIFO is refused', () => t.said.length === 1);
    expect(t.said[0]).toMatch(/settings\.json could not be used because it is not a regular file \(a named pipe\)\. The settings in force stay as they were\./);
    await new Promise((r) => setTimeout(r, 150));
    expect(t.said).toHaveLength(1);
    expect(f.current().guardWarnSomePct).toBe(15);
    expect(readdirSync(dir)).toEqual(['settings.json']);

    rmSync(t.file);
    writeFileSync(t.file, '{"guardWarnSomePct": "high"}', { mode: 0o600 });
    await until('the bad file is refused', () => t.said.length === 2);
    expect(t.said[1]).toMatch(/does not hold valid settings \(guardWarnSomePct: .*\)\. The settings in force stay as they were\./);
    expect(f.current().guardWarnSomePct).toBe(15);
    expect(t.changes).toEqual([]);
  });

  it('a file others could write is not read; a removed file means the defaults', async () => {
    const t = start();
    writeFileSync(t.file, JSON.stringify({ guardWarnSomePct: 15 }), { mode: 0o600 });
    const f = t.follow();
    writeFileSync(t.file, JSON.stringify({ guardWarnSomePct: 99, autoReap: true }));
    chmodSync(t.file, 0o666);
    await until('the group/world-writable file is refused', () => t.said.length === 1);
    expect(t.said[0]).toMatch(/was not read because .* can be written by anyone \(mode 666\)/);
    expect(f.current()).toMatchObject({ guardWarnSomePct: 15, autoReap: false });
    rmSync(t.file);
    await until('the defaults after the file went away', () => t.changes.length === 1);
    expect(f.current()).toEqual(defaultSettings());
  });
});

describe('headroom guard follows the window settings', () => {
  let work: ReturnType<typeof drillWorkDir> | null = null;
  let guard: GuardProcess | null = null;
  afterEach(async () => {
    await guard?.stop();
    guard = null;
    work?.remove();
    work = null;
  });
  afterAll(() => removeGuardRuntime());

  function writeSettings(folder: string, settings: object): void {
    const file = join(folder, 'settings.json');
    const temp = `${file}.test-tmp`;
    writeFileSync(temp, JSON.stringify(settings), { mode: 0o600 });
    chownSync(temp, DRILL_UID, DRILL_UID);
    // A rename, like the window's own atomic save.
    spawnSync('mv', [temp, file]);
  }

  it('a FIFO at start does not block it; auto-reap and levels come from the file; a change is said', async () => {
    work = drillWorkDir();
    const folder = join(work.dir, 'config', 'Headroom');
    mkdirSync(folder, { mode: 0o700 });
    chownSync(folder, DRILL_UID, DRILL_UID);
    expect(spawnSync('mkfifo', ['-m', '600', join(folder, 'settings.json')]).status).toBe(0);
    chownSync(join(folder, 'settings.json'), DRILL_UID, DRILL_UID);

    guard = startGuard(['--json', '--no-harden'], work.dir);
    const started = await guard.waitFor('started', (e) => e.event === 'started', 30_000);
    expect(started).toMatchObject({ act: false });
    expect(guard.stderr()).toMatch(/could not be used because it is not a regular file \(a named pipe\)\. Using the defaults\./);
    await guard.stop();

    // Auto-reap on in Settings arms the headless guard too (it is the drill user's: nothing else is reachable).
    rmSync(join(folder, 'settings.json'));
    writeSettings(folder, { autoReap: true, guardWarnSomePct: 30 });
    guard = startGuard(['--json', '--no-harden', '--act-at', '40'], work.dir);
    expect(await guard.waitFor('started', (e) => e.event === 'started', 30_000)).toMatchObject({ act: true });

    writeSettings(folder, { autoReap: false, guardWarnSomePct: 7, guardActFullPct: 90, guardSustainSeconds: 5 });
    await until('the change is said', () => /the settings changed/.test(guard!.stderr()), 10_000);
    // The file's levels, except the act level given on the command line.
    expect(guard.stderr()).toMatch(/the settings changed; now warn at some ≥ 7 %, act at full ≥ 40 %, for 5 s; auto-reap off\n/);
    expect(guard.formatErrors).toEqual([]);
    expect(guard.child.exitCode).toBeNull();
  }, 90_000);
});
