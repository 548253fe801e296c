// `headroom serve` without a window loads no zod and starts no thread for the guard's trigger wait
// (docs/BENCHMARKS.md, "Footprint, third pass"); the schemas load with the first window message, which
// is still validated as strictly, and at start when there is a settings file to parse. Runs the built
// CLI as a real process, with a preload that lists the modules it loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultSettings } from '../../contract/plain';
import type { RecordedEvent } from '../../contract/record';
import { SettingsSchema } from '../../contract/settings';
import { StoreWriter } from '../../main/recorder/store-writer';
import { serveUrl } from '../support/serve-url';
import { isZodModule } from '../support/zod-modules';

const CLI = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');
let temp = '';
let serve: ChildProcess | null = null;

afterEach(() => {
  if (serve?.exitCode === null) serve.kill('SIGKILL');
  serve = null;
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = '';
});

/** Start the built serve in a fresh HOME; `modules()` lists what it has loaded so far (sent on SIGUSR2). */
async function startServe(settingsFile: string | null, recorded: RecordedEvent | null = null): Promise<{ pid: number; url: URL; modules: () => Promise<string[]> }> {
  temp = mkdtempSync(join(tmpdir(), 'headroom-lazy-'));
  const home = join(temp, 'home');
  mkdirSync(join(home, '.config', 'Headroom'), { recursive: true, mode: 0o700 });
  // Its own history store (not the test run's shared one), holding an event when asked: as another
  // Headroom recorded it before this one started.
  const state = join(home, '.local', 'state');
  mkdirSync(join(state, 'headroom'), { recursive: true, mode: 0o700 });
  if (recorded) {
    const writer = new StoreWriter(join(state, 'headroom'), 1 << 20);
    writer.writeEvent(recorded);
    writer.close();
  }
  if (settingsFile !== null) writeFileSync(join(home, '.config', 'Headroom', 'settings.json'), settingsFile, { mode: 0o600 });
  const out = join(temp, 'modules.txt');
  const preload = join(temp, 'list.cjs');
  // Written aside and renamed, so the test never reads a half-written list.
  writeFileSync(
    preload,
    `process.on('SIGUSR2', () => { const fs = require('fs'); fs.writeFileSync(${JSON.stringify(out + '.tmp')}, Object.keys(require.cache).join('\\n')); fs.renameSync(${JSON.stringify(out + '.tmp')}, ${JSON.stringify(out)}); });\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: state };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-r', preload, CLI, 'serve', '--port', '0', '--allow-root'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  serve = child;
  const url = await serveUrl(child);
  const modules = async (): Promise<string[]> => {
    rmSync(out, { force: true });
    child.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      try {
        return readFileSync(out, 'utf8').split('\n');
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error('serve did not list its modules');
  };
  return { pid: child.pid!, url, modules };
}

const zodLoaded = (modules: string[]): boolean => modules.some(isZodModule);

/** One request over the real WebSocket with the page's credentials; resolves with the reply. */
function ask(url: URL, message: string): Promise<{ ok: boolean; error?: { code: string } }> {
  const token = url.hash.replace('#token=', '');
  const ws = new WebSocket(`ws://${url.host}/ws`, ['headroom', `headroom.token.${token}`], { origin: `http://${url.host}` });
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(message));
    ws.on('message', (data) => {
      const reply = JSON.parse(String(data)) as { id?: number; ok: boolean; error?: { code: string } };
      if (!('ok' in reply)) return; // an event
      ws.close();
      resolve(reply);
    });
  });
}

describe('headroom serve without a window', () => {
  it('runs its sampler, guard (triggers armed) and recorder without zod, also with events in its history, and loads zod with the first message', async () => {
    const event: RecordedEvent = {
      time: Date.now() - 5000, kind: 'reap', label: 'lazy-test-victim', detail: '', freedBytes: 1 << 20, mreleaseMs: 1,
      availableBeforeBytes: 1 << 30, recoveredMs: 2, victim: null,
    };
    const s = await startServe(null, event);
    // A few ticks: the guard's triggers armed, the recorder writing (waited for: a loaded machine starts slowly).
    const armed = (): boolean =>
      readdirSync(`/proc/${s.pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${s.pid}/fd/${fd}`) === '/proc/pressure/memory';
        } catch {
          return false;
        }
      });
    let before: string[] = [];
    for (let waited = 0; waited < 20_000; waited += 500) {
      await new Promise((r) => setTimeout(r, 500));
      before = await s.modules();
      if (waited >= 2500 && armed() && before.some((m) => m.endsWith('/main/recorder/recorder.js'))) break;
    }
    expect(before.some((m) => m.endsWith('/main/guard/guard.js'))).toBe(true);
    expect(before.some((m) => m.endsWith('/main/recorder/recorder.js'))).toBe(true);
    // The guard's PSI trigger is armed (its fd is open) although no trigger thread was started.
    expect(armed()).toBe(true);
    const contract = before.filter((m) => m.includes('/contract/') || isZodModule(m)).slice(0, 12);
    expect(zodLoaded(before), `loaded: ${contract.join(', ')}`).toBe(false);
    // The first message is validated as strictly as ever: a malformed one is refused…
    expect(await ask(s.url, JSON.stringify({ id: 1, call: 'getStatus', params: {}, extra: true }))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // …a good one answered, and zod is now loaded.
    expect(await ask(s.url, JSON.stringify({ id: 2, call: 'getStatus', params: {} }))).toMatchObject({ ok: true });
    expect(zodLoaded(await s.modules())).toBe(true);
    // The recorded event was there all along: a history read parses (and validates) it now.
    const history = (await ask(s.url, JSON.stringify({ id: 3, call: 'getHistory', params: { sinceMs: 60_000 } }))) as { ok: boolean; result: { markers: { label: string }[] } };
    expect(history.ok).toBe(true);
    expect(history.result.markers.map((m) => m.label)).toContain('lazy-test-victim');
  }, 60_000);

  it('loads zod at start when there is a settings file to parse (and uses it)', async () => {
    const s = await startServe('{"intervalMs": 2000}\n');
    await new Promise((r) => setTimeout(r, 1000));
    expect(zodLoaded(await s.modules())).toBe(true);
  }, 30_000);
});

describe('the zod-free defaults', () => {
  it('are exactly what the schema gives for an empty settings file', () => {
    expect(defaultSettings()).toEqual(SettingsSchema.parse({}));
    // Fresh objects each time: a caller changing its copy changes no one else's.
    const a = defaultSettings();
    a.sessionCritical.push('x');
    expect(defaultSettings().sessionCritical).not.toContain('x');
  });
});
