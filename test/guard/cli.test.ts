/** `headroom guard` refuses bad arguments with exit 2 and one plain line, before it starts anything. */
import { spawnSync } from 'node:child_process';
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
