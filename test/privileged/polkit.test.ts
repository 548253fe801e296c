/**
 * Privileged reaps for real: two unprivileged users, real pkexec, real polkitd deciding by a rules
 * file, the helper installed root-owned at a test path. Runs as root (CI does); setup is idempotent
 * and cleaned up afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReapResultSchema } from '../../contract/reap';
import { readStat } from '../../native/proc';
import { startHog, stopAllHogs, type Hog } from '../support/hogs';
import { cleanupPrivileged, INSTALL_ROOT, runCliAs, runNodeAs, setupPrivileged, type TestUser } from './setup';

const MiB = 1024 * 1024;
let allowed: TestUser;
let denied: TestUser;

beforeAll(async () => {
  ({ allowed, denied } = await setupPrivileged());
  // A script that drives the ReapService as the unprivileged user: two reaps, one helper.
  writeFileSync(
    join(INSTALL_ROOT, 'two-reaps.cjs'),
    `const { createReapService } = require('./dist/main/reaper/service.js');
const [a, b] = process.argv.slice(2).map((s) => s.split(':').map(Number));
(async () => {
  const service = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
  const changes = [];
  service.onPrivilegeChange((mode) => changes.push(mode));
  const before = service.privilege();
  const first = await service.reap({ targets: [{ pid: a[0], startTime: a[1] }] });
  const during = service.privilege();
  const second = await service.reap({ targets: [{ pid: b[0], startTime: b[1] }] });
  const starts = service.helperStarts();
  await service.close();
  process.stdout.write(JSON.stringify({ before, during, after: service.privilege(), changes, starts, results: [...first.results, ...second.results] }));
})();
`,
    { mode: 0o644 },
  );
}, 120_000);

afterEach(stopAllHogs);

afterAll(() => {
  cleanupPrivileged();
});

const target = (hog: Hog) => `${hog.pid}:${readStat(hog.pid)!.startTime}`;

describe('as an unprivileged user', () => {
  it('reaps its own hog in-process, without pkexec', async () => {
    const hog = startHog({ mib: 256, uid: allowed.uid, gid: allowed.gid });
    await hog.ready;
    const run = await runCliAs(allowed, ['reap', String(hog.pid), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = ReapResultSchema.parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({ ok: true, method: 'mrelease', via: 'in-process' });
    expect(result.freedBytes).toBeGreaterThanOrEqual(200 * MiB);
    await hog.exited;
  });

  it('cannot touch another user\'s process without the helper: HELPER_UNAVAILABLE, hog alive', async () => {
    const hog = startHog({ mib: 16 });
    await hog.ready;
    const run = await runNodeAs(allowed, [
      '-e',
      `process.env.HEADROOM_HELPER_PATH = '/nonexistent/headroom-helper';
       const { createReapService } = require('${INSTALL_ROOT}/dist/main/reaper/service.js');
       const s = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
       const mode = s.privilege();
       s.reap({ targets: [{ pid: ${hog.pid}, startTime: ${readStat(hog.pid)!.startTime} }] }).then((r) => { process.stdout.write(JSON.stringify({ mode, r })); return s.close(); });`,
    ]);
    const { mode, r } = JSON.parse(run.stdout);
    expect(mode).toBe('helper-missing');
    expect(r.results[0]).toMatchObject({ ok: false, via: 'helper', error: { code: 'HELPER_UNAVAILABLE' } });
    expect(r.results[0].error.message).toMatch(/deb/);
    expect(hog.alive()).toBe(true);
  });
});

describe('through pkexec and the resident helper', () => {
  it('the allowed user reaps a root-owned hog with `headroom reap`, and its memory is freed', async () => {
    const hog = startHog({ mib: 256 });
    await hog.ready;
    const run = await runCliAs(allowed, ['reap', String(hog.pid), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = ReapResultSchema.parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({ pid: hog.pid, ok: true, method: 'mrelease', via: 'helper' });
    expect(result.freedBytes).toBeGreaterThanOrEqual(200 * MiB);
    expect(result.goneMs).not.toBeNull();
    await hog.exited;
  });

  it('two reaps go through one resident helper with one authorization', async () => {
    const [a, b] = [startHog({ mib: 64 }), startHog({ mib: 64 })];
    await Promise.all([a.ready, b.ready]);
    const run = await runNodeAs(allowed, [join(INSTALL_ROOT, 'two-reaps.cjs'), target(a), target(b)]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.before).toBe('helper-installed');
    expect(out.during).toBe('helper-ready');
    expect(out.after).toBe('helper-installed');
    expect(out.changes).toEqual(['helper-ready', 'helper-installed']);
    expect(out.starts).toBe(1);
    for (const result of out.results) expect(ReapResultSchema.parse(result)).toMatchObject({ ok: true, method: 'mrelease', via: 'helper' });
    await Promise.all([a.exited, b.exited]);
  });

  it('the denied user is told plainly that it is not authorized, and the hog survives', async () => {
    const hog = startHog({ mib: 32 });
    await hog.ready;
    const run = await runCliAs(denied, ['reap', String(hog.pid)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Not authorized to end other users' processes/);
    await new Promise((r) => setTimeout(r, 200));
    expect(hog.alive()).toBe(true);
  });
});
