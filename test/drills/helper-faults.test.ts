/**
 * Drill (privileged; runs as root like test/privileged/*, with its setup and cleanup): the resident
 * helper failing under real pkexec and real polkitd, driven by the real ReapService running as the
 * unprivileged test user that polkit says YES to, reaping a root-owned target.
 *
 * 1. The helper is killed with SIGKILL in the middle of a reap (mode `end` on a target that ignores
 *    SIGTERM, so the helper is inside its grace wait): the person gets a clear result at once, and
 *    the next privileged reap starts a new helper (one new authorization) and succeeds.
 * 2. The helper's output closes while it keeps running (the installed wrapper is swapped for a
 *    script that answers hello, closes stdout and waits; restored in finally): the reap answers
 *    within seconds instead of hanging until the request timeout, and says what happened.
 * Every target carries `headroom-test-hog` in argv and is killed by PID in finally.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStat } from '../../native/proc';
import { cleanupPrivileged, INSTALL_ROOT, setupPrivileged, TEST_HELPER_PATH, type TestUser } from '../privileged/setup';
import { helperOf, spawnAsUser, waitFor } from '../privileged/reap-driver';

let allowed: TestUser;
const targets: ChildProcess[] = [];
const drivers: ChildProcess[] = [];

/** The driver: the real ReapService as the test user, one JSON command per stdin line, one reply per stdout line. */
const DRIVER = `const { createReapService } = require('./dist/main/reaper/service.js');
const service = createReapService({ sessionCritical: () => [], endGraceMs: () => 20000 });
require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line);
  if (cmd.op === 'reap') {
    const started = Date.now();
    const { results } = await service.reap({ targets: [cmd.target], mode: cmd.mode });
    process.stdout.write(JSON.stringify({ result: results[0], ms: Date.now() - started, starts: service.helperStarts() }) + '\\n');
  } else if (cmd.op === 'close') {
    await service.close();
    process.exit(0);
  }
});
process.stdout.write('{"ready":true}\\n');
`;

beforeAll(async () => {
  ({ allowed } = await setupPrivileged());
  writeFileSync(join(INSTALL_ROOT, 'helper-faults-driver.cjs'), DRIVER, { mode: 0o644 });
}, 120_000);

afterEach(() => {
  for (const child of [...targets.splice(0), ...drivers.splice(0)]) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

afterAll(() => {
  cleanupPrivileged();
});

/** A root-owned target that ignores SIGTERM (so an `end` keeps the helper waiting); lives ≤ 120 s. */
async function startTarget(): Promise<{ pid: number; startTime: number }> {
  const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); process.stdout.write("up\\n"); setTimeout(() => process.exit(0), 120000)', 'headroom-test-hog'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  targets.push(child);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { pid: child.pid!, startTime: readStat(child.pid!)!.startTime };
}

interface Driver {
  pid: number;
  ask(cmd: object): Promise<{ result: { ok: boolean; error?: { code: string; message: string } }; ms: number; starts: number }>;
  /** Ask it to close its service (stopping the helper) and exit; bounded. */
  close(): Promise<void>;
}

async function startDriver(): Promise<Driver> {
  const child = spawnAsUser(allowed, 'helper-faults-driver.cjs');
  drivers.push(child);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift()!) : waiters.push(resolve)));
  await next(); // ready
  return {
    pid: child.pid!,
    async ask(cmd) {
      child.stdin!.write(JSON.stringify(cmd) + '\n');
      return JSON.parse(await next());
    },
    async close() {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.stdin!.write('{"op":"close"}\n');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    },
  };
}

describe('helper faults under real pkexec and polkit', () => {
  it('SIGKILL mid-reap: a clear result at once; the next reap starts a new helper and works', async () => {
    const driver = await startDriver();
    const target = await startTarget();
    const reaping = driver.ask({ op: 'reap', target, mode: 'end' });
    // The helper is up and inside its 20 s grace wait (the target ignores SIGTERM).
    const helper = await waitFor('the helper', () => helperOf(driver.pid));
    await waitFor('the helper to be node', () => (/main\.js/.test(readFileSync(`/proc/${helper}/cmdline`, 'latin1')) ? true : null));
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    process.kill(helper, 'SIGKILL');
    const first = await reaping;
    const answeredMs = Date.now() - killedAt;
    expect(first.result.ok).toBe(false);
    expect(first.result.error?.code).toBe('INTERNAL');
    expect(first.result.error?.message).toMatch(/^The privileged helper stopped before it answered \(it was killed by SIGKILL\)/);
    expect(first.result.error?.message).toMatch(/may or may not have been ended: refresh to see\. The next reap .* starts a new helper/);
    expect(answeredMs).toBeLessThan(5000);
    expect(first.starts).toBe(1);
    // The target survived (SIGTERM ignored, the helper died before escalating).
    expect(readStat(target.pid)?.startTime).toBe(target.startTime);
    const second = await driver.ask({ op: 'reap', target, mode: 'kill' });
    expect(second.result.ok).toBe(true);
    expect(second.starts).toBe(2);
    process.stdout.write(`helper SIGKILL: answered ${answeredMs} ms after the kill; second reap ${second.ms} ms with a new helper\n`);
    await driver.close();
  }, 120_000);

  it('the helper\'s output closes while it runs: the reap answers in seconds, not at the timeout', async () => {
    const wrapper = readFileSync(TEST_HELPER_PATH, 'utf8');
    try {
      // Answers hello like the real helper, then closes its output and waits for its input to end.
      writeFileSync(
        TEST_HELPER_PATH,
        `#!/bin/sh
read -r line
id=$(printf '%s' "$line" | sed -n 's/.*"id":\\([0-9]*\\).*/\\1/p')
printf '{"id":%s,"ok":true,"version":"drill","features":{"pidfd":true,"processMrelease":true,"cgroupKill":true,"lockedBytes":0,"uid":0,"nice":0},"idleMs":300000}\\n' "$id"
exec 1>&-
while read -r rest; do :; done
exit 0
`,
        { mode: 0o755 },
      );
      const driver = await startDriver();
      const target = await startTarget();
      const reply = await driver.ask({ op: 'reap', target, mode: 'kill' });
      expect(reply.result.ok).toBe(false);
      expect(reply.result.error?.message).toMatch(/^The privileged helper stopped answering \(its output closed\)/);
      // The request timeout is 30 s + the 20 s grace: this must come long before it.
      expect(reply.ms).toBeLessThan(10_000);
      expect(readStat(target.pid)?.startTime).toBe(target.startTime);
      process.stdout.write(`helper stdout closed: answered in ${reply.ms} ms\n`);
      await driver.close();
    } finally {
      writeFileSync(TEST_HELPER_PATH, wrapper, { mode: 0o755 });
    }
  }, 120_000);
});
