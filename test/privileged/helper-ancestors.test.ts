/**
 * The helper refuses the programs that started it by identity (pid and start time), walked once at
 * its start. An ancestor that exits leaves its pid behind; when the kernel gives that pid to an
 * unrelated process, the helper must not refuse it as "one of the programs that started it".
 *
 * Run as root (the helper is spawned directly, as pkexec would run it). The pid is reused on purpose
 * through /proc/sys/kernel/ns_last_pid (root, this pid namespace); every process here is ours and is
 * killed by PID in finally.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HelperReplySchema, type HelperReply } from '../../native/helper/protocol';
import { readStat } from '../../native/proc';

const HELPER = join(__dirname, '..', '..', 'dist', 'native', 'helper', 'main.js');

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Start a target (`headroom-test-hog` in argv) that gets exactly `pid`, by setting ns_last_pid just before the fork; retried if another fork takes it first. */
async function startWithPid(pid: number, started: ChildProcess[]): Promise<ChildProcess | null> {
  for (let attempt = 0; attempt < 50; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setTimeout(() => {}, 60000)', 'headroom-test-hog'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(child);
    if (child.pid === pid) {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      return child;
    }
    child.kill('SIGKILL');
    await exited(child);
  }
  return null;
}

describe('the helper\'s protected ancestors', () => {
  it('are compared by pid and start time: the pid of an ancestor that exited, reused by another process, is not refused', async () => {
    const started: ChildProcess[] = [];
    const temp = mkdtempSync(join(tmpdir(), 'headroom-ancestors-'));
    let input: number | undefined;
    try {
      // test → sh (its pid stays while it execs sleep) → helper. Its input is a FIFO the test holds
      // open (Node would close a child's stdin pipe when that child, sh, exits).
      const fifo = join(temp, 'helper-input');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      const parent = spawn('sh', ['-c', '"$0" "$1" <"$2" & exec sleep 600 </dev/null >/dev/null', process.execPath, HELPER, fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      started.push(parent);
      input = openSync(fifo, 'r+');
      const lines: string[] = [];
      let buffered = '';
      parent.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buffered += d;
        for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
          lines.push(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
      const ask = async (request: object): Promise<HelperReply> => {
        const before = lines.length;
        writeSync(input!, JSON.stringify(request) + '\n');
        const end = Date.now() + 20_000;
        while (lines.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
        return HelperReplySchema.parse(JSON.parse(lines[before]!));
      };
      // It walked its ancestors at start, before it read this: sh is one of them.
      expect(await ask({ id: 1, op: 'hello' })).toMatchObject({ ok: true });
      const gone = parent.pid!;
      parent.kill('SIGKILL');
      await exited(parent);
      const reused = await startWithPid(gone, started);
      if (!reused) throw new Error(`could not get pid ${gone} again through ns_last_pid in 50 tries`);
      const target = { pid: gone, startTime: readStat(gone)!.startTime };
      const reply = await ask({ id: 2, op: 'reap', targets: [target] });
      expect(reply).toMatchObject({ id: 2, ok: true });
      const [result] = (reply as { results: { ok: boolean; error?: { code: string; message: string } }[] }).results;
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true, method: 'mrelease', via: 'helper' });
      await exited(reused);
      // An ancestor that still runs (this test process started sh) is still refused, forced or not.
      const self = await ask({ id: 3, op: 'reap', targets: [{ pid: process.pid, startTime: readStat(process.pid)!.startTime }], force: true });
      expect((self as { results: { error?: { code: string } }[] }).results[0]!.error?.code).toBe('PROTECTED');
    } finally {
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Its input ends: the helper (no longer our child) exits 0.
      if (input !== undefined) closeSync(input);
      rmSync(temp, { recursive: true, force: true });
    }
  }, 60_000);
});
