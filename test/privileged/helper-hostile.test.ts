/**
 * Hostile input straight to the helper, spawned as root with pipes (the same program pkexec runs).
 * Every malformed request gets an error, nothing is killed (a sentinel hog is alive at the end),
 * and the helper still answers hello. An idle helper leaves, after a time a caller may only shorten.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPER_IDLE_EXIT_CODE, HELPER_IDLE_MS, HelperReplySchema, type HelperReply } from '../../native/helper/protocol';
import { readPidMax, readStat } from '../../native/proc';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';

const HELPER = join(__dirname, '..', '..', 'dist', 'native', 'helper', 'main.js');

let helper: ChildProcessWithoutNullStreams;
let sentinel: Hog;
const replies: HelperReply[] = [];
let waiters: (() => void)[] = [];

beforeAll(async () => {
  sentinel = startHog({ mib: 16 });
  await sentinel.ready;
  helper = spawn(process.execPath, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  helper.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      replies.push(HelperReplySchema.parse(JSON.parse(buffered.slice(0, nl))));
      buffered = buffered.slice(nl + 1);
      waiters.forEach((w) => w());
      waiters = [];
    }
  });
});

afterAll(async () => {
  helper.stdin.end();
  await new Promise((r) => helper.once('exit', r));
  await stopAllHogs();
});

async function send(raw: Buffer | string): Promise<HelperReply> {
  const before = replies.length;
  helper.stdin.write(raw);
  while (replies.length === before) await new Promise<void>((r) => waiters.push(r));
  expect(replies.length).toBe(before + 1);
  return replies[before]!;
}

function isError(reply: HelperReply): boolean {
  if (!reply.ok) return true;
  return 'results' in reply && reply.results.every((r) => !r.ok && r.error !== undefined && r.method === null);
}

describe('headroom-helper under hostile input', () => {
  it('answers at least 20 malformed requests with errors and kills nothing', async () => {
    const sentinelTarget = { pid: sentinel.pid, startTime: readStat(sentinel.pid)!.startTime };
    const helperStart = readStat(helper.pid!)!.startTime;
    const reap = (targets: unknown, extra: object = {}) => JSON.stringify({ id: 9, op: 'reap', targets, ...extra }) + '\n';
    const hostile: (string | Buffer)[] = [
      'not json\n',
      '[1,2,3]\n',
      'null\n',
      '{"op":"hello"}\n', // no id
      '{"id":"1","op":"hello"}\n',
      '{"id":-1,"op":"hello"}\n',
      '{"id":1.5,"op":"hello"}\n',
      '{"id":9007199254740993,"op":"hello"}\n', // past 2^53
      '{"id":1e400,"op":"hello"}\n',
      '{"id":2,"op":"shutdown"}\n',
      '{"id":3,"op":"hello","path":"/bin/sh"}\n',
      '{"id":4}\n',
      reap([{ pid: 1, startTime: 0 }]),
      reap([{ pid: 0, startTime: 0 }]),
      reap([{ pid: -5, startTime: 0 }]),
      reap([{ pid: 1.5, startTime: 0 }]),
      reap([{ pid: String(sentinel.pid), startTime: sentinelTarget.startTime }]),
      reap([{ pid: readPidMax() + 1, startTime: 1 }]),
      reap([{ pid: 4_194_305, startTime: 1 }]),
      reap([]),
      reap(Array.from({ length: 513 }, () => sentinelTarget)),
      reap([sentinelTarget], { mode: 'nuke' }),
      reap([sentinelTarget], { force: 'yes' }),
      reap([sentinelTarget], { sessionCritical: 'node' }),
      reap([sentinelTarget], { sessionCritical: [''] }),
      reap([sentinelTarget], { mode: 'end', endGraceMs: 60_001 }), // longer than the setting allows
      reap([sentinelTarget], { mode: 'end', endGraceMs: -1 }),
      reap([sentinelTarget], { mode: 'end', endGraceMs: 1.5 }),
      reap([sentinelTarget], { mode: 'end', endGraceMs: '5000' }),
      '{"id":10,"op":"hello","idleMs":300001}\n', // longer than its own 5 min: never
      '{"id":11,"op":"hello","idleMs":0}\n',
      '{"id":12,"op":"hello","idleMs":"1000"}\n',
      // The caller's session-critical names add to the built-in list: the sentinel (comm "node") is refused.
      reap([sentinelTarget], { sessionCritical: ['node'] }),
      reap([{ ...sentinelTarget, cgroup: '/' }]),
      reap([{ pid: sentinel.pid, startTime: sentinelTarget.startTime + 1 }]), // stale identity
      reap([{ pid: helper.pid!, startTime: helperStart }], { force: true }), // the helper itself
      reap([{ pid: process.pid, startTime: readStat(process.pid)!.startTime }], { force: true }), // its parent
      '{"id":5,"op":"reap","targets":[{"pid":' + sentinel.pid + ',"startTime":' + sentinelTarget.startTime + ',"__proto__":{"x":1}}]}\n',
      '{"id":6,"op":"hello"} trailing\n',
      Buffer.concat([Buffer.from('{"id":7,"op":"hello","x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n')]), // invalid UTF-8
      'x'.repeat(1024 * 1024) + '\n', // 1 MiB line
      '{"id":8,"op":"reap","targets":[' + '{"pid":2,"startTime":0},'.repeat(5000) + '{"pid":2,"startTime":0}]}\n', // > 64 KiB
    ];
    expect(hostile.length).toBeGreaterThanOrEqual(20);
    for (const request of hostile) {
      const reply = await send(request);
      expect(isError(reply), `${String(request).slice(0, 80)} → ${JSON.stringify(reply).slice(0, 200)}`).toBe(true);
    }
    const overlong = replies.slice(-2);
    for (const reply of overlong) expect(reply).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/64 KiB/) } });
    const codes = new Set(replies.flatMap((r) => (r.ok ? ('results' in r ? r.results.map((x) => x.error!.code) : []) : [r.error.code])));
    expect([...codes].sort()).toEqual(['BAD_REQUEST', 'CHANGED', 'PROTECTED', 'SESSION_CRITICAL']);
    // Nothing was killed: the sentinel and the helper are alive, and hello still works.
    expect(sentinel.alive()).toBe(true);
    expect(helper.exitCode).toBeNull();
    const hello = await send('{"id":42,"op":"hello"}\n');
    expect(hello).toMatchObject({ id: 42, ok: true, features: { pidfd: true, processMrelease: true, uid: 0 } });
  });

  it('splits requests that arrive byte by byte and answers each in order', async () => {
    const bytes = Buffer.from('{"id":100,"op":"hello"}\n{"id":101,"op":"hello"}\n');
    const before = replies.length;
    for (const byte of bytes) helper.stdin.write(Buffer.from([byte]));
    while (replies.length < before + 2) await new Promise<void>((r) => waiters.push(r));
    expect(replies.slice(before).map((r) => r.id)).toEqual([100, 101]);
  });

  it('is still the helper it was: 5 min idle time in force, hello answered', async () => {
    const hello = await send('{"id":43,"op":"hello"}\n');
    expect(hello).toMatchObject({ id: 43, ok: true, idleMs: HELPER_IDLE_MS });
    expect(HELPER_IDLE_MS).toBe(5 * 60_000);
  });

  it('refuses command-line arguments and exits 0 when stdin closes', async () => {
    const withArgs = spawn(process.execPath, [HELPER, '--pid', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    withArgs.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise((r) => withArgs.once('exit', r))).toBe(2);
    expect(stderr).toMatch(/takes no arguments/);
    const plain = spawn(process.execPath, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    plain.stdin.end();
    expect(await new Promise((r) => plain.once('exit', r))).toBe(0);
  });
});

describe('an idle helper', () => {
  it('leaves (exit 75) after the idle time a hello asked for; a later hello cannot lengthen it', async () => {
    const idle = spawn(process.execPath, [HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      let buffered = '';
      idle.stdout.setEncoding('utf8').on('data', (d: string) => {
        buffered += d;
        for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
          lines.push(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
      const ask = async (line: string): Promise<HelperReply> => {
        const before = lines.length;
        idle.stdin.write(line);
        while (lines.length === before) await new Promise((r) => setTimeout(r, 5));
        return HelperReplySchema.parse(JSON.parse(lines[before]!));
      };
      const exited = new Promise<number | null>((resolve) => idle.once('exit', (code) => resolve(code)));
      expect(await ask('{"id":1,"op":"hello"}\n')).toMatchObject({ ok: true, idleMs: HELPER_IDLE_MS });
      expect(await ask('{"id":2,"op":"hello","idleMs":1000}\n')).toMatchObject({ ok: true, idleMs: 1000 });
      expect(await ask('{"id":3,"op":"hello","idleMs":200000}\n')).toMatchObject({ ok: true, idleMs: 1000 });
      // Each request starts the idle time again.
      await new Promise((r) => setTimeout(r, 600));
      expect(await ask('{"id":4,"op":"hello"}\n')).toMatchObject({ ok: true, idleMs: 1000 });
      const lastAnswer = Date.now();
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
      const after = Date.now() - lastAnswer;
      expect(code).toBe(HELPER_IDLE_EXIT_CODE);
      expect(after).toBeGreaterThanOrEqual(900);
      expect(after).toBeLessThan(3000);
    } finally {
      if (idle.exitCode === null && idle.signalCode === null) idle.kill('SIGKILL');
    }
  });
});
