/** `headroom guard` refuses bad arguments with exit 2 and one plain line, before it starts anything. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './guard-process';

function run(...args: string[]) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 20_000 });
}

describe('headroom guard arguments', () => {
  it.each([
    [['--warn-at', '0'], "headroom guard: --warn-at must be a percentage between 1 and 100, got '0'"],
    [['--warn-at', '101'], "headroom guard: --warn-at must be a percentage between 1 and 100, got '101'"],
    [['--act-at', '-5'], "headroom guard: --act-at must be a percentage between 1 and 100, got '-5'"],
    [['--act-at', '20%'], "headroom guard: --act-at must be a percentage between 1 and 100, got '20%'"],
    [['--sustain', '0'], "headroom guard: --sustain must be a whole number of seconds between 1 and 120, got '0'"],
    [['--sustain', '1.5'], "headroom guard: --sustain must be a whole number of seconds between 1 and 120, got '1.5'"],
    [['--sustain'], 'headroom guard: --sustain needs a value'],
    [['--act=yes'], 'headroom guard: --act takes no value'],
    [['--kill-everything'], 'headroom guard: unknown flag --kill-everything'],
    [['now'], "headroom guard: unexpected argument 'now'"],
  ])('%j → exit 2: %s', (args, line) => {
    const result = run('guard', ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe('');
  });

  it('is listed in the usage', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ {2}guard \[--json\] \[--act\] \[--warn-at PCT\] \[--act-at PCT\] \[--sustain S\]/m);
  });
});

describe('headroom guard output', () => {
  it('goes on guarding when whoever read its output is gone (EPIPE), says so once, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-guard-epipe-'));
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: dir, XDG_STATE_HOME: dir, HEADROOM_GUARD_LOCK: join(dir, 'guard.lock') };
    delete env.NODE_EXTRA_CA_CERTS;
    // Without --act: it only warns, whatever the machine does meanwhile.
    const child = spawn(process.execPath, [CLI, 'guard', '--json', '--no-harden'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The reader goes before the guard's first line (its `started` event).
      child.stdout!.destroy();
      const deadline = Date.now() + 15_000;
      while (!stderr.includes('standard output closed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/standard output closed \(EPIPE\); the guard goes on without printing its events\./);
      await new Promise((r) => setTimeout(r, 1500));
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr.match(/standard output closed/g)).toHaveLength(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
