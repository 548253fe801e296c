/**
 * Drill (privileged; runs as root like test/privileged/*, with its setup and cleanup): the app's
 * side of the helper (HelperClient, main/reaper/helper-client.ts) when the helper times out, answers
 * a line it could not read, splits a character across two writes, or leaves idle with a request
 * unread — under real pkexec and polkitd, as the unprivileged user polkit says YES to.
 *
 * 1. A request times out: that helper is forgotten; the next request starts a new one and is
 *    answered (it used to be written to the closed input and fail as "stopped before it answered").
 * 2. A request line over the helper's 64 KiB: the helper's own error (id null) reaches the request
 *    at once, instead of a silent timeout.
 * 3. A reply with a UTF-8 character split across two writes is decoded whole.
 * 4. A helper that leaves idle (exit 75) with a request unread: the request goes to a new helper.
 *
 * 3 and 4 swap the installed wrapper for a script (restored in finally). Targets carry
 * `headroom-test-hog` and are killed by PID afterwards.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStat } from '../../native/proc';
import { alive, helperOf, installDriver, startDriver, startTarget, stopAll, waitFor } from '../privileged/reap-driver';
import { cleanupPrivileged, INSTALL_ROOT, setupPrivileged, TEST_HELPER_PATH, type TestUser } from '../privileged/setup';

let allowed: TestUser;

beforeAll(async () => {
  ({ allowed } = await setupPrivileged());
  installDriver();
}, 120_000);

afterEach(stopAll);

afterAll(() => {
  cleanupPrivileged();
});

/** The shell lines a script helper uses to read one request and take its id. */
const READ_ID = `read -r line
id=$(printf '%s' "$line" | sed -n 's/^{"id":\\([0-9]*\\),.*/\\1/p')`;
const HELLO_REPLY = `printf '{"id":%s,"ok":true,"version":"drill","features":{"pidfd":true,"processMrelease":true,"cgroupKill":true,"lockedBytes":0,"uid":0,"nice":0},"idleMs":300000}\\n' "$id"`;

/** Run `body` with the installed helper wrapper replaced by `script`; the real one is back afterwards. */
async function withHelperScript(script: string, body: (realWrapper: string) => Promise<void>): Promise<void> {
  const wrapper = readFileSync(TEST_HELPER_PATH, 'utf8');
  const realWrapper = join(INSTALL_ROOT, 'real-helper-wrapper');
  try {
    writeFileSync(realWrapper, wrapper, { mode: 0o755 });
    writeFileSync(TEST_HELPER_PATH, script.replaceAll('REAL_WRAPPER', realWrapper), { mode: 0o755 });
    await body(realWrapper);
  } finally {
    writeFileSync(TEST_HELPER_PATH, wrapper, { mode: 0o755 });
    rmSync(realWrapper, { force: true });
  }
}

describe('the app\'s side of the helper', () => {
  it('forgets a helper that timed out: the next request starts a new one and is answered', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 5000 });
    const target = await startTarget(); // ignores SIGTERM: the helper waits out the whole grace
    const slow = await driver.ask({ op: 'raw', body: { op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }], mode: 'end', endGraceMs: 4000 }, timeoutMs: 1500 });
    expect(slow.error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^The privileged helper did not answer within 2 s of starting on this request\. It may still end the process when it gets to it/) });
    const first = helperOf(driver.pid)!;
    const firstStart = readStat(first)!.startTime;
    const next = await driver.ask({ op: 'raw', body: { op: 'hello' }, timeoutMs: 20_000 });
    expect(next.error).toBeUndefined();
    expect(next.reply).toMatchObject({ ok: true, idleMs: 300_000 });
    expect(next.starts).toBe(2);
    // The first helper, its input closed, finishes the End it was in (the SIGKILL after 4 s) and exits.
    await waitFor('the timed-out helper to finish its End', () => (alive(target.pid, target.startTime) ? null : true), 15_000);
    await waitFor('the timed-out helper to exit', () => (alive(first, firstStart) ? null : true), 10_000);
    await driver.close();
  }, 60_000);

  it('times a request from when the helper gets to it: two End reaps queued behind each other both finish', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 5000 });
    const a = await startTarget(); // both ignore SIGTERM: each End waits out its whole grace
    const b = await startTarget();
    const end = (t: { pid: number; startTime: number }) => driver.ask({ op: 'raw', body: { op: 'reap', targets: [{ pid: t.pid, startTime: t.startTime }], mode: 'end', endGraceMs: 2500 }, timeoutMs: 4000 });
    // The second waits ~2.5 s behind the first, then takes ~2.5 s itself: 5 s from its send, over its 4 s.
    const [first, second] = await Promise.all([end(a), end(b)]);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(second.ms).toBeGreaterThan(4000);
    expect(alive(a.pid, a.startTime)).toBe(false);
    expect(alive(b.pid, b.startTime)).toBe(false);
    expect(second.starts).toBe(1);
    await driver.close();
  }, 60_000);

  it('gives a request the helper\'s error for a line it could not read (over 64 KiB), at once', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 5000 });
    const target = await startTarget();
    // What the settings allow (256 names of 64 characters) is over 64 KiB once JSON-escaped.
    const names = Array.from({ length: 256 }, () => '\u0001'.repeat(64));
    const reply = await driver.ask({ op: 'raw', body: { op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }], sessionCritical: names }, timeoutMs: 15_000 });
    expect(reply.error).toBeUndefined();
    expect(reply.reply).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/longer than 64 KiB\. Nothing was done\./) } });
    expect(reply.ms).toBeLessThan(10_000);
    expect(alive(target.pid, target.startTime)).toBe(true);
    // The helper goes on answering, in order.
    const hello = await driver.ask({ op: 'raw', body: { op: 'hello' }, timeoutMs: 10_000 });
    expect(hello.reply).toMatchObject({ ok: true });
    expect(hello.starts).toBe(1);
    await driver.close();
  }, 60_000);

  it('decodes a character the helper\'s output splits across two writes', async () => {
    // "é" is C3 A9 in UTF-8: the first write ends after C3, the second starts with A9.
    const script = `#!/bin/sh
${READ_ID}
${HELLO_REPLY}
${READ_ID}
printf '{"id":%s,"ok":false,"error":{"code":"INTERNAL","message":"caf\\303' "$id"
sleep 0.5
printf '\\251 au lait"}}\\n'
while read -r rest; do :; done
exit 0
`;
    await withHelperScript(script, async () => {
      const driver = await startDriver(allowed, { endGraceMs: 5000 });
      const reply = await driver.ask({ op: 'raw', body: { op: 'hello' }, timeoutMs: 10_000 });
      expect(reply.reply).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'café au lait' } });
      await driver.close();
    });
  }, 60_000);

  it('sends a request the helper left unread (it left idle, exit 75) to a new helper', async () => {
    const marker = join(INSTALL_ROOT, 'left-idle-once');
    // The first helper answers hello, reads the request and leaves as an idle helper does; the next
    // one is the real helper.
    const script = `#!/bin/sh
if [ -e ${marker} ]; then exec REAL_WRAPPER; fi
: > ${marker}
${READ_ID}
${HELLO_REPLY}
read -r line
exit 75
`;
    try {
      await withHelperScript(script, async () => {
        const driver = await startDriver(allowed, { endGraceMs: 5000 });
        const target = await startTarget();
        const reply = await driver.ask({ op: 'raw', body: { op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }] }, timeoutMs: 20_000 });
        expect(reply.error).toBeUndefined();
        expect(reply.reply).toMatchObject({ ok: true, results: [{ ok: true, via: 'helper', method: 'mrelease' }] });
        expect(reply.starts).toBe(2);
        await driver.close();
      });
    } finally {
      rmSync(marker, { force: true });
    }
  }, 60_000);
});
