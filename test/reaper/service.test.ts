/**
 * The reap service as main/ uses it, run as root here (so everything is in-process on the worker).
 * The privileged routing (helper, pkexec) is covered in test/privileged/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ReapResponseSchema } from '../../contract/reap';
import { readStat } from '../../native/proc';
import { createReapService, helperPathFrom, type ReapService } from '../../main/reaper/service';
import { HELPER_INSTALL_PATH } from '../../native/polkit/paths';
import { startHog, stopAllHogs } from '../support/hogs';

let service: ReapService | undefined;

afterEach(async () => {
  await service?.close();
  service = undefined;
  await stopAllHogs();
});

describe('createReapService (as root)', () => {
  it('says root and reaps on the worker thread', async () => {
    service = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
    expect(service.privilege()).toBe('root');
    const hog = startHog({ mib: 64 });
    await hog.ready;
    const response = await service.reap({ targets: [{ pid: hog.pid, startTime: readStat(hog.pid)!.startTime }] });
    expect(ReapResponseSchema.parse(response)).toEqual(response);
    expect(response.results[0]).toMatchObject({ pid: hog.pid, ok: true, method: 'mrelease', via: 'in-process' });
    expect(response.results[0]!.freedBytes).toBeGreaterThanOrEqual(48 * 1024 * 1024);
    await hog.exited;
  });

  it('keeps the main thread running during a long end grace period', async () => {
    service = createReapService({ sessionCritical: () => [], endGraceMs: () => 800 });
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); process.stdout.write("up\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 50);
      const { results } = await service.reap({ targets: [{ pid: child.pid!, startTime: readStat(child.pid!)!.startTime }], mode: 'end' });
      clearInterval(timer);
      expect(results[0]).toMatchObject({ ok: true, method: 'mrelease', via: 'in-process' });
      // 800 ms of grace on the worker: a blocked main thread would have ticked 0–1 times.
      expect(ticks).toBeGreaterThanOrEqual(8);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('applies the session-critical list from settings at each reap', async () => {
    let names: string[] = ['node'];
    service = createReapService({ sessionCritical: () => names, endGraceMs: () => 5000 });
    const hog = startHog({ mib: 8 });
    await hog.ready;
    const target = { pid: hog.pid, startTime: readStat(hog.pid)!.startTime };
    expect((await service.reap({ targets: [target] })).results[0]!.error?.code).toBe('SESSION_CRITICAL');
    expect(hog.alive()).toBe(true);
    names = [];
    expect((await service.reap({ targets: [target] })).results[0]).toMatchObject({ ok: true, method: 'mrelease' });
  });

  it('rejects a malformed request before touching anything', async () => {
    service = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
    await expect(service.reap({ targets: [{ pid: 1, startTime: 0 }] })).rejects.toThrow();
    await expect(service.reap({ targets: [] })).rejects.toThrow();
  });
});

describe('the helper path', () => {
  it('takes HEADROOM_HELPER_PATH only as an absolute path and never in an installed app (app.asar, unpacked or not)', () => {
    const dev = '/work/headroom/dist/main/reaper';
    expect(helperPathFrom({ HEADROOM_HELPER_PATH: '/opt/test/helper' }, dev)).toBe('/opt/test/helper');
    expect(helperPathFrom({}, dev)).toBe(HELPER_INSTALL_PATH);
    expect(helperPathFrom({ HEADROOM_HELPER_PATH: 'helper' }, dev)).toBe(HELPER_INSTALL_PATH);
    expect(helperPathFrom({ HEADROOM_HELPER_PATH: '-x' }, dev)).toBe(HELPER_INSTALL_PATH);
    for (const installed of ['/opt/Headroom/resources/app.asar/dist/main/reaper', '/opt/Headroom/resources/app.asar.unpacked/dist/main/reaper', '/tmp/.mount_HeadroXYZ/resources/app.asar/dist/main/reaper']) {
      expect(helperPathFrom({ HEADROOM_HELPER_PATH: '/tmp/evil' }, installed), installed).toBe(HELPER_INSTALL_PATH);
    }
  });
});
