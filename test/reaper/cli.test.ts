/** `headroom reap` from the build in dist/, on hogs this test started. */
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReapResultSchema } from '../../contract/reap';
import { readStat } from '../../native/proc';
import { startHog, stopAllHogs } from '../support/hogs';

const CLI = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'reap', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

afterEach(stopAllHogs);

describe('headroom reap', () => {
  it('reaps a hog, reads its start time itself and says so', async () => {
    const hog = startHog({ mib: 128 });
    await hog.ready;
    const run = await cli([String(hog.pid)]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`no --start-time given; using the current start time of PID ${hog.pid}`));
    expect(run.stdout).toMatch(new RegExp(`^Reaped node \\(PID ${hog.pid}\\): freed 1\\d\\d(\\.\\d)? MiB in \\d+ ms \\(process_mrelease\\)\\.`));
    await hog.exited;
  });

  it('shows a name\'s control characters as codes: a process cannot send the terminal an escape sequence', async () => {
    // OSC 52 (set the clipboard), as any program may name itself with prctl(PR_SET_NAME).
    const hog = startHog({ mib: 8, comm: '\x1b]52;c;YQ==\x07' });
    await hog.ready;
    expect(readStat(hog.pid)!.comm).toBe('\x1b]52;c;YQ==\x07');
    const run = await cli([String(hog.pid)]);
    expect(run.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(run.stdout + run.stderr).not.toMatch(/[\x00-\x1f](?<!\n)/);
    expect(run.stderr).toContain(`PID ${hog.pid} (\u27e8U+001B\u27e9]52;c;YQ==\u27e8U+0007\u27e9, `);
    expect(run.stdout).toMatch(/^Reaped \u27e8U\+001B\u27e9\]52;c;YQ==\u27e8U\+0007\u27e9 \(PID \d+\): freed/);
    await hog.exited;
  });

  it('prints one contract-shaped result with --json', async () => {
    const hog = startHog({ mib: 32 });
    await hog.ready;
    const run = await cli([String(hog.pid), '--start-time', String(readStat(hog.pid)!.startTime), '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const result = ReapResultSchema.parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({ pid: hog.pid, ok: true, method: 'mrelease', via: 'in-process' });
  });

  it('exits 1 and sends nothing for a stale start time', async () => {
    const hog = startHog({ mib: 8 });
    await hog.ready;
    const run = await cli([String(hog.pid), '--start-time', String(readStat(hog.pid)!.startTime + 5)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/exited or its PID now belongs to another program; nothing was sent/);
    expect(hog.alive()).toBe(true);
  });

  it('exits 2 on bad arguments', async () => {
    for (const args of [[], ['abc'], ['1'], ['123', '--start-time'], ['123', '--bogus'], ['12', '13']]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^headroom reap: /);
    }
    // pid_max itself is one past the last PID the kernel hands out.
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const over = await cli([String(pidMax)]);
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(`headroom reap: PID must be between 2 and ${pidMax - 1}, got ${pidMax}\n`);
  });
});
