/**
 * The channel to the root helper, for real: the real ReapService running as the unprivileged user
 * polkit says YES to, real pkexec and polkitd, root-owned targets (headroom-test-hog in argv, killed
 * by PID afterwards).
 *
 * - Another process of the same user cannot reach the app's end of the helper's input, through
 *   /proc/<app>/fd/N or pidfd_getfd (the app made itself non-dumpable before pkexec), so it cannot make
 *   the helper kill anything; what the app still reads of its own /proc is checked too.
 * - The helper leaves once it has been idle (a short idle time the app asks for; it can only be
 *   shortened), and the next reap starts a new one.
 * - The helper honours the person's End grace period, shorter and longer than its 5 s default.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStat } from '../../native/proc';
import { alive, helperOf, installDriver, startDriver, startTarget, stopAll, waitFor } from './reap-driver';
import { cleanupPrivileged, INSTALL_ROOT, setupPrivileged, type TestUser } from './setup';

let allowed: TestUser;

beforeAll(async () => {
  ({ allowed } = await setupPrivileged());
  installDriver();
}, 120_000);

afterEach(stopAll);

afterAll(() => {
  cleanupPrivileged();
});

/**
 * The fd under which `holder` holds the other end of `helper`'s stdin. Node's stdio "pipes" are
 * socketpairs, whose two ends have inodes of their own: ss(8) names the peer.
 */
function inputFdOf(holder: number, helper: number): number {
  const input = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${helper}/fd/0`))?.[1];
  expect(input, 'the helper\'s stdin is a socketpair').toBeDefined();
  // "u_str ESTAB 0 0 * <inode> * <peer inode> …"
  const peer = execFileSync('ss', ['-xan'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[7] === input)?.[5];
  expect(peer, 'ss names the peer of the helper\'s stdin').toBeDefined();
  const fds = readdirSync(`/proc/${holder}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${holder}/fd/${fd}`) === `socket:[${peer}]`;
    } catch {
      return false;
    }
  });
  expect(fds).toHaveLength(1);
  return Number(fds[0]);
}

/**
 * The attacker: a process of the app's user, not the app's child, trying both ways to the app's
 * end of the helper's input and writing `request` if one opens. Prints one word per way: "written",
 * or the errno name. /proc/PID/fd/N is how a pipe is reached (a socket cannot be opened there:
 * ENXIO); pidfd_getfd(2) (Linux 5.6, syscall 438) copies any fd, a socket too.
 */
const ATTACKER = `const fs = require('fs');
const koffi = require(process.argv[1] + '/node_modules/koffi');
const [, , pid, fd, request] = process.argv;
const names = new Map(Object.entries(koffi.os.errno).map(([name, n]) => [n, name]));
const syscall = koffi.load('libc.so.6').func('long syscall(long number, ...)');
const out = [];
try { const f = fs.openSync('/proc/' + pid + '/fd/' + fd, 'w'); fs.writeSync(f, request); out.push('written'); } catch (err) { out.push(err.code); }
const pidfd = Number(syscall(434, 'int', Number(pid), 'uint', 0));
const copy = pidfd < 0 ? -1 : Number(syscall(438, 'int', pidfd, 'int', Number(fd), 'uint', 0));
if (copy < 0) out.push(names.get(koffi.errno()));
else { fs.writeSync(copy, request); out.push('written'); }
console.log(out.join(' '));`;

describe('the helper\'s input', () => {
  it('cannot be reached from another process of the same user (/proc/<app>/fd, pidfd_getfd), so it cannot be driven', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 5000 });
    const first = await startTarget();
    const sentinel = await startTarget();
    const reaped = await driver.ask({ op: 'reap', targets: [{ pid: first.pid, startTime: first.startTime }] });
    expect(reaped.results[0]).toMatchObject({ ok: true, via: 'helper' });
    const helper = await waitFor('the helper', () => helperOf(driver.pid));
    const fd = inputFdOf(driver.pid, helper);
    // Asking the root helper to kill a root-owned process the attacker could not signal itself.
    const request = JSON.stringify({ id: 77, op: 'reap', targets: [{ pid: sentinel.pid, startTime: sentinel.startTime }] }) + '\n';
    const attack = spawnSync(process.execPath, ['-e', ATTACKER, INSTALL_ROOT, String(driver.pid), String(fd), request], {
      uid: allowed.uid,
      gid: allowed.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      encoding: 'utf8',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(sentinel.pid, sentinel.startTime), `the helper killed the sentinel for the attacker (${attack.stdout.trim()})`).toBe(true);
    // Before the app made itself non-dumpable: "ENXIO written" (the socket cannot be opened through
    // /proc, but pidfd_getfd copies it, and the helper killed the sentinel).
    expect(attack.stdout.trim(), attack.stderr).toBe('EACCES EPERM');
    // The app itself goes on: the same helper answers the next reap, and it still reads what the
    // sampler reads of every process (itself included) from its own /proc; io, environ and
    // task/TID/syscall are now root's.
    const second = await driver.ask({ op: 'reap', targets: [{ pid: sentinel.pid, startTime: sentinel.startTime }] });
    expect(second.results[0]).toMatchObject({ ok: true, via: 'helper' });
    expect(second.starts).toBe(1);
    const own = await driver.ask({ op: 'proc-self', files: ['stat', 'statm', 'status', 'cmdline', 'cgroup', 'oom_score', 'oom_score_adj', 'limits', 'maps', 'smaps', 'fd', 'io', 'environ', `task/${driver.pid}/syscall`] });
    expect(own.files).toEqual({
      stat: 'ok', statm: 'ok', status: 'ok', cmdline: 'ok', cgroup: 'ok', oom_score: 'ok', oom_score_adj: 'ok', limits: 'ok', maps: 'ok', smaps: 'ok', fd: 'ok',
      io: 'EACCES', environ: 'EACCES', [`task/${driver.pid}/syscall`]: 'EACCES',
    });
    await driver.close();
  }, 60_000);
});

describe('an idle helper', () => {
  it('leaves after its idle time, and the next reap starts a new one', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 5000, helperIdleMs: 1500 });
    const [a, b] = [await startTarget(), await startTarget()];
    const first = await driver.ask({ op: 'reap', targets: [{ pid: a.pid, startTime: a.startTime }] });
    expect(first.results[0]).toMatchObject({ ok: true, via: 'helper' });
    expect(first.privilege).toBe('helper-ready');
    const helper = await waitFor('the helper', () => helperOf(driver.pid));
    const helperStart = readStat(helper)!.startTime;
    const since = Date.now();
    await waitFor('the idle helper to leave', () => (alive(helper, helperStart) ? null : true), 10_000);
    const idleFor = Date.now() - since;
    // It answered the reap just before `since`: it left about 1.5 s later, not at once.
    expect(idleFor).toBeGreaterThan(700);
    // The app sees the exit as soon as its event loop gets to it.
    let state = await driver.ask({ op: 'state' });
    for (let i = 0; i < 40 && state.privilege !== 'helper-installed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await driver.ask({ op: 'state' });
    }
    expect(state.privilege).toBe('helper-installed');
    expect(state.changes).toEqual(['helper-ready', 'helper-installed']);
    const second = await driver.ask({ op: 'reap', targets: [{ pid: b.pid, startTime: b.startTime }] });
    expect(second.results[0]).toMatchObject({ ok: true, via: 'helper' });
    expect(second.starts).toBe(2);
    process.stdout.write(`idle helper left ${idleFor} ms after its last answer (asked: 1500 ms)\n`);
    await driver.close();
  }, 60_000);
});

describe('End through the helper', () => {
  it('waits the person\'s grace period, not a fixed 5 s: 300 ms on a target that ignores SIGTERM', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 300 });
    const target = await startTarget();
    const reply = await driver.ask({ op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }], mode: 'end' });
    expect(reply.results[0]).toMatchObject({ ok: true, via: 'helper', method: 'mrelease' });
    // pkexec and the helper's start are in it too; the old fixed grace alone was 5 s.
    expect(reply.ms).toBeLessThan(4000);
    expect(alive(target.pid, target.startTime)).toBe(false);
    await driver.close();
  }, 60_000);

  it('and a longer one: a target that needs 6 s after SIGTERM exits by itself within a 9 s grace', async () => {
    const driver = await startDriver(allowed, { endGraceMs: 9000 });
    const target = await startTarget(6000);
    const reply = await driver.ask({ op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }], mode: 'end' });
    expect(reply.results[0]).toMatchObject({ ok: true, via: 'helper', method: 'term' });
    expect(reply.results[0].goneMs).toBeGreaterThanOrEqual(5900);
    await driver.close();
  }, 60_000);
});

describe('the person\'s session-critical names through the helper', () => {
  it('the longest list the settings allow (256 names of 64 control characters) still fits the helper\'s line: names go as comm holds them', async () => {
    // Each control character is a 6-byte JSON escape: 256 × 64 of them are ~98 KiB, over the 64 KiB limit.
    const names = Array.from({ length: 256 }, (_, i) => `${String.fromCharCode(1 + (i % 30)).repeat(48)}${String(i).padStart(16, '0')}`);
    expect(Buffer.byteLength(JSON.stringify(names))).toBeGreaterThan(64 * 1024);
    const driver = await startDriver(allowed, { endGraceMs: 5000, sessionCritical: names });
    const target = await startTarget();
    const reply = await driver.ask({ op: 'reap', targets: [{ pid: target.pid, startTime: target.startTime }], mode: 'kill' });
    expect(reply.results[0]).toMatchObject({ ok: true, via: 'helper' });
    expect(alive(target.pid, target.startTime)).toBe(false);
    await driver.close();
  }, 60_000);
});
