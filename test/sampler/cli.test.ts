// `headroom snapshot` as a user runs it: the built CLI in a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotSchema } from '../../contract/snapshot';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'main', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function headroom(...args: string[]) {
  // A full snapshot is ~300 bytes a process: a busy machine's (4,000+ processes) passes spawnSync's 1 MiB default.
  return spawnSync(process.execPath, [cli, 'snapshot', ...args], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
}

beforeAll(() => {
  // `npm test` builds first; when run alone, rebuild if the sampler or CLI sources are newer than dist.
  const built = (() => {
    try {
      return statSync(join(root, 'dist', 'main', 'cli', 'snapshot.js')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built < Math.max(newestMtime(join(root, 'main', 'sampler')), statSync(join(root, 'main', 'cli', 'snapshot.ts')).mtimeMs)) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore', timeout: 120_000 });
  }
});

describe('headroom snapshot', () => {
  it('--json prints one snapshot that matches the schema', () => {
    const run = headroom('--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const snapshot = SnapshotSchema.parse(JSON.parse(lines[0]!));
    expect(snapshot.processes.some((p) => p.pid === run.pid)).toBe(true);
    for (const key of ['time', 'psi', 'memory', 'processes', 'apps', 'features', 'sampleMs']) expect(Object.keys(snapshot)).toContain(key);
  });

  it('--repeat 3 --interval 300 prints three JSON lines with increasing seq, the later ones with tick values', () => {
    const run = headroom('--json', '--repeat', '3', '--interval', '300');
    expect(run.status).toBe(0);
    const snaps = run.stdout.trim().split('\n').map((l) => SnapshotSchema.parse(JSON.parse(l)));
    expect(snaps.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(snaps[2]!.time - snaps[0]!.time).toBeGreaterThanOrEqual(550);
    expect(snaps[0]!.memory.rates.majorFaultsPerSec).toBeNull();
    expect(snaps[1]!.memory.rates.majorFaultsPerSec).toBeTypeOf('number');
    expect(snaps.every((s) => s.intervalMs === 300)).toBe(true);
  });

  it('prints a table sorted by RSS with a PSI and memory header', () => {
    const run = headroom('--top', '5');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^Pressure/);
    expect(lines[1]).toMatch(/^Memory: .* used of .* available/);
    expect(lines[2]).toMatch(/^Processes: top 5 of \d+ by RSS/);
    expect(lines[4]).toMatch(/^\s*PID\s+USER\s+RSS/);
    const rows = lines.slice(5).filter(Boolean);
    expect(rows).toHaveLength(5);
    const unit = { B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 } as Record<string, number>;
    const rss = rows.map((r) => {
      const m = /^\s*\d+\s+\S+\s+([\d.]+)([BKMGT])/.exec(r)!;
      return Number(m[1]) * unit[m[2]!]!;
    });
    expect([...rss].sort((a, b) => b - a)).toEqual(rss);
  });

  it('shows control characters in command lines as their codes: a process cannot drive the terminal or forge a row', async () => {
    // A command line that retitles the terminal, clears it and starts a fake row on a new line.
    const hostile = '\u001b]0;PWNED\u0007\u001b[2J\nforged-row';
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setTimeout(() => {}, 30000)', hostile], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const run = headroom('--all');
      expect(run.status).toBe(0);
      const row = run.stdout.split('\n').find((l) => new RegExp(`^\\s*${child.pid}\\s`).test(l))!;
      expect(row).toContain('\u27e8U+001B\u27e9]0;PWNED\u27e8U+0007\u27e9\u27e8U+001B\u27e9[2J\u27e8U+000A\u27e9forged-row');
      // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
      expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(run.stdout.split('\n').some((l) => l.startsWith('forged-row'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--help prints the flags and exits 0', () => {
    const run = headroom('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: headroom snapshot/);
    for (const flag of ['--json', '--repeat', '--interval', '--top', '--all']) expect(run.stdout).toContain(flag);
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['--repeat', 'x'], '--repeat must be a whole number'],
    [['--interval', '5'], '--interval must be between 250 and 10000'],
    [['--repeat'], '--repeat needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['extra'], "unexpected argument 'extra'"],
    [['--top', '0'], '--top must be between 1 and'],
  ])('%j → exit 2 with one line naming the problem', (args, message) => {
    const run = headroom(...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
  });
});

// A real hidepid=1 /proc, in a private mount namespace (the host's /proc is untouched): needs root.
describe.runIf(process.getuid!() === 0 && existsSync('/usr/bin/unshare'))('the built sampler under hidepid', () => {
  it('as an unprivileged user sees only its own processes, says hidepid, and counts nothing malformed', () => {
    // Load the modules as root (a private checkout may not be readable by others), then drop to nobody.
    const script = `
      const { createSampler } = require(${JSON.stringify(join(root, 'dist', 'main', 'sampler'))});
      process.setgroups([]); process.setgid(65534); process.setuid(65534);
      const s = createSampler().sample();
      process.stdout.write(JSON.stringify({ uids: [...new Set(s.processes.map((p) => p.uid))], pids: s.processes.map((p) => p.pid), malformed: s.malformed, hidepid: s.features.hidepid }));`;
    const run = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t proc -o hidepid=1 proc /proc && exec "$0" -e "$1"', process.execPath, script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { uids: number[]; pids: number[]; malformed: number; hidepid: boolean };
    expect(seen.hidepid).toBe(true);
    expect(seen.uids).toEqual([65534]);
    expect(seen.pids).toContain(run.pid);
    expect(seen.malformed).toBe(0);
    // Meanwhile the host's /proc still shows everything to everyone.
    expect(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length).toBeGreaterThan(seen.pids.length + 10);
  });
});

// No PSI, for real: an empty directory bind-mounted over /proc/pressure in a private mount namespace.
describe.runIf(process.getuid!() === 0 && existsSync('/usr/bin/unshare'))('the CLI on a system without PSI', () => {
  it('says so, gives psi: null, and still reports memory, processes and apps', () => {
    const empty = mkdtempSync(join(tmpdir(), 'headroom-no-psi-'));
    try {
      const inNamespace = (...args: string[]) =>
        spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind "$0" /proc/pressure && exec "$@"`, empty, process.execPath, cli, 'snapshot', ...args], {
          encoding: 'utf8',
          timeout: 30_000,
          maxBuffer: 64 * 1024 * 1024,
        });
      const json = inNamespace('--json', '--repeat', '2', '--interval', '250');
      expect(json.stderr).toBe('');
      expect(json.status).toBe(0);
      for (const line of json.stdout.trim().split('\n')) {
        const s = SnapshotSchema.parse(JSON.parse(line));
        expect(s.features.psi).toBe(false);
        expect(s.psi).toBeNull();
        expect(s.apps.every((a) => a.pressure === null)).toBe(true);
        expect(s.processes.length).toBeGreaterThan(5);
        expect(s.memory.totalBytes).toBeGreaterThan(0);
        expect(s.malformed).toBe(0);
      }
      const table = inNamespace('--top', '3');
      expect(table.status).toBe(0);
      expect(table.stdout.split('\n')[0]).toBe('Pressure: not available (kernel without PSI, or booted with psi=0)');
      // The host still has PSI.
      expect(readdirSync('/proc/pressure')).toContain('memory');
    } finally {
      rmdirSync(empty);
    }
  });
});

// Out of fds for real: the built sampler in a child whose RLIMIT_NOFILE is 100, with an fd budget far above it.
describe.runIf(existsSync('/usr/bin/prlimit'))('the built sampler when the process runs out of fds', () => {
  // More processes than the 100 fds, whatever else runs on the machine (a fresh CI machine runs few):
  // 150 idle children of our own, killed by PID afterwards.
  const idle: ChildProcess[] = [];
  beforeAll(() => {
    for (let i = 0; i < 150; i++) idle.push(spawn('sleep', ['300'], { stdio: 'ignore' }));
  });
  afterAll(() => {
    for (const child of idle) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('gives fds back, keeps fewer, and still reads every process with nothing malformed', () => {
    const script = `
      const { createSampler } = require(${JSON.stringify(join(root, 'dist', 'main', 'sampler'))});
      const s = createSampler({ fdBudget: 100000 });
      const first = s.sample();
      const second = s.sample();
      const own = require('node:fs').readdirSync('/proc/self/fd').length;
      process.stdout.write(JSON.stringify({ pids: second.processes.map((p) => p.pid), malformed: first.malformed + second.malformed, fdsOpen: s.fdsOpen, fdLimit: s.fdLimit, own }));`;
    const limited = spawnSync('prlimit', ['--nofile=100:100', process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
    const unlimited = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(limited.stderr).toBe('');
    type Seen = { pids: number[]; malformed: number; fdsOpen: number; fdLimit: number; own: number };
    const [low, high] = [JSON.parse(limited.stdout) as Seen, JSON.parse(unlimited.stdout) as Seen];
    expect(high.fdLimit).toBe(100000);
    expect(low.fdLimit).toBeLessThan(100);
    expect(low.fdsOpen).toBeLessThanOrEqual(low.fdLimit);
    expect(low.own).toBeLessThan(100);
    expect(low.malformed).toBe(0);
    // A process the later, unlimited run saw that is older than the limited run was alive during it:
    // the limited run must have seen it too.
    const older = (pids: number[]) => pids.filter((p) => p < (limited.pid ?? 0));
    const seenLimited = new Set(low.pids);
    expect(older(high.pids).length).toBeGreaterThan(10);
    expect(older(high.pids).filter((p) => !seenLimited.has(p))).toEqual([]);
  });

  it('lists /proc when the rest of the process took every fd: the statm budget gives some back for the listing', () => {
    const dist = join(root, 'dist', 'main', 'sampler');
    const script = `
      const fs = require('node:fs');
      const { ProcessTable } = require(${JSON.stringify(join(dist, 'process-table.js'))});
      const { Scratch } = require(${JSON.stringify(join(dist, 'read-file.js'))});
      const { UserNames } = require(${JSON.stringify(join(dist, 'users.js'))});
      const t = new ProcessTable({ fdBudget: 100000, statusRefreshMs: 600000, statRefreshMs: 600000, pageSize: 4096, cgroupV2Mount: null }, new Scratch(), new UserNames());
      const now = performance.now();
      const first = t.read(now).length;
      const limitBefore = t.fdLimit;
      // Another part of the app takes every fd left.
      const held = [];
      try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
      // 11 s later on the table's clock: a full listing is due.
      let second = -1, error = null;
      try { second = t.read(now + 11000).length; } catch (e) { error = e.code || String(e); }
      process.stdout.write(JSON.stringify({ first, second, listed: t.listed, error, limitBefore, limitAfter: t.fdLimit, held: held.length }));`;
    const run = spawnSync('prlimit', ['--nofile=100:100', process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { first: number; second: number; listed: boolean; error: string | null; limitBefore: number; limitAfter: number; held: number };
    expect(seen.held).toBeGreaterThan(0);
    expect(seen.error).toBeNull();
    expect(seen.listed).toBe(true);
    expect(seen.limitAfter).toBeLessThan(seen.limitBefore);
    // Every process the first tick saw is still there (150 idle children of ours among them).
    expect(seen.second).toBeGreaterThanOrEqual(seen.first - 5);
    expect(seen.first).toBeGreaterThan(150);
  });
});
