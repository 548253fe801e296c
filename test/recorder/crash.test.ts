/**
 * The real writer as a real process: `headroom serve` (built, in dist/) records into a temporary
 * XDG_STATE_HOME; it is killed with SIGKILL mid-run and started again; `headroom history --json` must
 * then return samples from both runs, in time order, each valid against the contract — also after the
 * first run's last record is torn by cutting its file mid-record. Bad arguments exit 2 with one line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryLineSchema, type HistoryLine } from '../../contract/record';

const cli = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');
const started: ChildProcess[] = [];
let home = '';

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
  home = '';
});

function env(): NodeJS.ProcessEnv {
  return { ...process.env, XDG_STATE_HOME: home, XDG_CONFIG_HOME: home, NODE_EXTRA_CA_CERTS: '' };
}

function startWriter(): ChildProcess {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--allow-root'], { stdio: 'ignore', env: env() });
  started.push(child);
  return child;
}

function history(args: string[]): { code: number | null; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'history', ...args], { env: env(), encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

function samples(): HistoryLine[] {
  const r = history(['--since', '1h', '--json']);
  expect(r.code).toBe(0);
  return r.lines.map((l) => HistoryLineSchema.parse(JSON.parse(l)));
}

async function waitForSamples(atLeast: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = samples().length;
    if (n >= atLeast) return n;
    if (Date.now() > deadline) throw new Error(`only ${n} samples recorded after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('headroom history after kill -9', () => {
  it('returns samples from both runs in time order, each valid, and skips a torn last record', async () => {
    expect(existsSync(cli), 'dist/ is not built: run npm run build').toBe(true);
    home = mkdtempSync(join(tmpdir(), 'headroom-crash-'));
    const first = startWriter();
    await waitForSamples(4);
    const killedAt = Date.now();
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const afterFirst = samples();
    const dir = join(home, 'headroom');
    // The dead writer's lock is still there: the next start must see it is stale.
    expect(readdirSync(dir)).toContain('writer.lock');

    // Tear the first run's last system record, as a kill in the middle of a write would.
    const firstSys = readdirSync(dir).filter((n) => n.endsWith('.sys'));
    expect(firstSys).toHaveLength(1);
    const sysPath = join(dir, firstSys[0]!);
    truncateSync(sysPath, statSync(sysPath).size - 50);
    const torn = history(['--since', '1h', '--json']);
    expect(torn.lines).toHaveLength(afterFirst.length - 1);
    expect(torn.stderr).toMatch(/skipped 1 torn or damaged record/);

    const second = startWriter();
    await waitForSamples(afterFirst.length - 1 + 4);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const all = samples();
    const times = all.map((l) => (l.type === 'sample' ? l.t : -1));
    expect(all.every((l) => l.type === 'sample')).toBe(true);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    expect(times.filter((t) => t < killedAt).length).toBe(afterFirst.length - 1);
    expect(times.filter((t) => t > killedAt).length).toBeGreaterThanOrEqual(4);
    // Two runs: two segment files, and the second writer removed its lock on a clean exit.
    expect(readdirSync(dir).filter((n) => n.endsWith('.sys'))).toHaveLength(2);
    expect(readdirSync(dir)).not.toContain('writer.lock');

    const csv = history(['--since', '1h', '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.lines[0]!.split(',')).toContain('availableBytes');
    expect(csv.lines).toHaveLength(all.length + 1);
  }, 120_000);

  it('exits 2 with one clear line on bad arguments', () => {
    home = mkdtempSync(join(tmpdir(), 'headroom-crash-'));
    for (const [args, pattern] of [
      [['--since', '5 minutes'], /--since must be a duration like 90s, 15m, 24h/],
      [['--until', 'yesterday'], /--until must be an ISO time/],
      [['--json', '--csv'], /choose one of --json and --csv/],
      [['--csv', '--apps', '--events'], /one kind of row/],
      [['--frobnicate'], /unknown flag --frobnicate/],
    ] as const) {
      const r = history([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const ok = history(['--since', '90s', '--until', String(Date.now()), '--events', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.lines).toEqual([]);
  });
});
