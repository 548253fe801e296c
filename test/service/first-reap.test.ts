// The first reap of a session does its main-thread first-time work before it is asked, not between
// the request and the SIGKILL (docs/BENCHMARKS.md, "First reap"): the recovery baseline's reads (it
// once read all of /proc/self/smaps for the page size) and zod compiling the reap schemas' parsers.
// The built `headroom serve` runs as a real process with V8's function-event log, and is driven over
// its real WebSocket as a window would be: its first call (getSnapshot) primes the reap path, a
// getGuard call brackets the start, then a real hog is reaped. In the main isolate's log, between
// the getGuard handler's first run and the hand-off to the reap worker (InProcessReaper.reap's first
// run), no function of the recovery, page-size, /proc, contract or zod modules may run for the first
// time and no code may be compiled from a string (zod's parsers are `new Function`s). Before the
// change this window held recovery.js's smaps page size and the reap schema's compiled parser.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readStat } from '../../native/proc';
import { startHog, stopAllHogs } from '../support/hogs';
import { serveUrl } from '../support/serve-url';

const CLI = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');
let temp = '';
let serve: ChildProcess | null = null;

afterEach(async () => {
  if (serve?.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  serve = null;
  await stopAllHogs();
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = '';
});

interface Window {
  ask(call: string, params: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;
  close(): void;
}

/** A client with the page's credentials; `ask` sends one call and resolves with its reply. */
async function openWindow(url: URL): Promise<Window> {
  const token = url.hash.replace('#token=', '');
  const ws = new WebSocket(`ws://${url.host}/ws`, ['headroom', `headroom.token.${token}`], { origin: `http://${url.host}` });
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  const waiting = new Map<number, (reply: { ok: boolean }) => void>();
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; ok?: boolean };
    if (typeof reply.id === 'number') waiting.get(reply.id)?.(reply as { ok: boolean });
  });
  let next = 1;
  return {
    ask: (call, params) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, call, params }));
      }),
    close: () => ws.close(),
  };
}

interface LogLine {
  kind: string;
  script: number;
  name: string;
}

/** The main isolate's V8 log (the one that loaded the service), as function and script events in order. */
function mainIsolateLog(dir: string): { lines: LogLine[]; urls: Map<number, string> } {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('v8.log'))) {
    const text = readFileSync(join(dir, file), 'latin1');
    if (!text.includes('main/service/headroom-service.js')) continue;
    const urls = new Map<number, string>();
    const lines: LogLine[] = [];
    for (const line of text.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'script-details') urls.set(Number(f[1]), f[2] ?? '');
      // function,<event>,<script>,<start>,<end>,<time>,<timestamp>,<name>
      else if (f[0] === 'function') lines.push({ kind: f[1]!, script: Number(f[2]), name: f.slice(7).join(',') });
    }
    return { lines, urls };
  }
  throw new Error(`no V8 log of the main isolate in ${dir}`);
}

describe('the first reap of a session', () => {
  it('finds its main-thread path run once already: nothing first-run or compiled between the request and the hand-off, and the reap works', async () => {
    temp = mkdtempSync(join(tmpdir(), 'headroom-first-reap-'));
    const home = join(temp, 'home');
    mkdirSync(join(home, '.local', 'state'), { recursive: true, mode: 0o700 });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--log-function-events', `--logfile=${join(temp, 'v8.log')}`, CLI, 'serve', '--port', '0', '--allow-root'], { cwd: temp, env, stdio: ['ignore', 'pipe', 'inherit'] });
    serve = child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await serveUrl(child);

    const hog = startHog({ mib: 32, lifetimeSec: 120 });
    await hog.ready;
    const window = await openWindow(url);
    // A window's first call: from here a reap may come, so the reap path is primed (after the answer).
    expect((await window.ask('getSnapshot', {})).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    // The bracket: this handler's first run opens the window of the log that is checked.
    expect((await window.ask('getGuard', {})).ok).toBe(true);
    const reply = await window.ask('reap', { targets: [{ pid: hog.pid, startTime: readStat(hog.pid)!.startTime }] });
    expect(reply.ok).toBe(true);
    expect((reply.result as { results: { ok: boolean; method: string; pid: number }[] }).results[0]).toMatchObject({ pid: hog.pid, ok: true, method: 'mrelease' });
    await hog.exited;
    window.close();
    // A clean exit writes the whole log.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const { lines, urls } = mainIsolateLog(temp);
    const url_ = (l: LogLine): string => urls.get(l.script) ?? '';
    const firstRun = (file: string, name: string): number => lines.findIndex((l) => l.kind === 'first-execution' && l.name === name && url_(l).endsWith(file));
    const start = firstRun('main/service/headroom-service.js', 'getGuard');
    const handOff = firstRun('main/reaper/in-process.js', 'reap');
    expect(start).toBeGreaterThan(0);
    // The priming never hands anything to the reap worker: its first hand-off is the real reap's.
    expect(handOff).toBeGreaterThan(start);
    // Sanity: the path really ran inside the window (the service's reap and the reaper's routing).
    const between = lines.slice(start, handOff);
    expect(firstRun('main/service/headroom-service.js', 'reap')).toBeGreaterThan(start);
    // What must not happen there for the first time: reads and parsing of /proc, and validation.
    const firstTimeWork = between
      .filter((l) => l.kind === 'first-execution' && /\/(main\/service\/recovery|main\/sampler\/page-size|native\/proc|contract\/[a-z-]+)\.js$|\/node_modules\/zod\//.test(url_(l)))
      .map((l) => `${l.name || '(anonymous)'} in ${url_(l).replace(/^.*\/(dist|node_modules)\//, '')}`);
    expect(firstTimeWork).toEqual([]);
    // Code compiled from a string there: zod's parser for a schema used for the first time.
    const compiled = between.filter((l) => l.kind === 'parse-eval').length;
    expect(compiled).toBe(0);
    // And the priming did happen before it, off the path (the same functions ran before the bracket).
    expect(firstRun('main/service/recovery.js', 'readReapBaseline')).toBeLessThan(start);
    expect(firstRun('main/reaper/service.js', 'route')).toBeLessThan(start);
  }, 60_000);
});
