// The service on the real sampler (real /proc) and the real reaper (real pidfd + SIGKILL +
// process_mrelease on a real hog child). Results are checked against the contract's own schemas.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CALLS, ApiError, dispatchCall, parseCall } from '../../contract/api';
import type { CallName } from '../../contract/channels';
import type { ReapMarker } from '../../contract/history';
import type { Snapshot } from '../../contract/snapshot';
import type { Status } from '../../contract/status';
import { createHeadroomService, historyLengthFor, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { startHog, stopAllHogs } from '../support/hogs';

const MiB = 1024 * 1024;

/** Resolve with the first event value that passes `test`, or reject after `ms`. */
function nextEvent<T>(subscribe: (listener: (data: T) => void) => () => void, test: (data: T) => boolean, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const stop = subscribe((data) => {
      if (!test(data)) return;
      clearTimeout(timer);
      stop();
      resolve(data);
    });
  });
}

async function call(service: HostedHeadroomService, name: string, params?: unknown): Promise<unknown> {
  return dispatchCall(service.handlers, parseCall(name, params));
}

describe('HeadroomService on the real sampler and reaper', () => {
  let service: HostedHeadroomService;

  beforeAll(async () => {
    service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore() });
    const first = nextEvent<Snapshot>((l) => service.on('snapshot', l), () => true, 10_000);
    service.start();
    await first;
  });

  afterEach(async () => {
    await stopAllHogs();
  });

  afterAll(async () => {
    await service?.close();
  });

  it('answers every call with a result its contract schema accepts', async () => {
    const params: Record<CallName, unknown> = {
      getSnapshot: {},
      getHistory: {},
      getStatus: {},
      getSettings: {},
      setSettings: { guardWarnSomePct: 25 },
      setPaused: { paused: false },
      getGuard: {},
      // A pid that cannot exist (above any pid_max in use here): a per-target error, not a thrown one.
      reap: { targets: [{ pid: 4_000_000, startTime: 1 }] },
    };
    for (const name of Object.keys(CALLS) as CallName[]) {
      const result = await call(service, name, params[name]);
      const parsed = CALLS[name].result.safeParse(result);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
    }
    const snapshot = (await call(service, 'getSnapshot')) as Snapshot;
    expect(snapshot.processes.some((p) => p.pid === process.pid)).toBe(true);
    const history = (await call(service, 'getHistory')) as { points: unknown[] };
    expect(history.points.length).toBeGreaterThan(0);
    const reap = (await call(service, 'reap', params.reap)) as { results: Array<{ ok: boolean; error?: { code: string } }> };
    expect(reap.results[0]).toMatchObject({ ok: false, error: { code: 'CHANGED' } });
  });

  it('rejects bad parameters with BAD_REQUEST and unknown calls with UNKNOWN_CALL', async () => {
    const codeOf = async (name: string, params: unknown) => {
      try {
        await call(service, name, params);
        return 'no error';
      } catch (err) {
        return err instanceof ApiError ? err.code : String(err);
      }
    };
    expect(await codeOf('reap', { targets: [] })).toBe('BAD_REQUEST');
    expect(await codeOf('reap', { targets: [{ pid: 1, startTime: 0 }] })).toBe('BAD_REQUEST');
    expect(await codeOf('reap', { targets: [{ pid: '12', startTime: 0 }] })).toBe('BAD_REQUEST');
    expect(await codeOf('setSettings', { intervalMs: 5 })).toBe('BAD_REQUEST');
    expect(await codeOf('setSettings', { notAKey: 1 })).toBe('BAD_REQUEST');
    expect(await codeOf('setPaused', {})).toBe('BAD_REQUEST');
    expect(await codeOf('getStatus', { extra: true })).toBe('BAD_REQUEST');
    expect(await codeOf('killEverything', {})).toBe('UNKNOWN_CALL');
    expect(await codeOf('__proto__', {})).toBe('UNKNOWN_CALL');
  });

  it('reaps a real 256 MiB hog, adds one marker and measures its recovery', async () => {
    const hog = startHog({ mib: 256 });
    await hog.ready;
    const seen = await nextEvent<Snapshot>((l) => service.on('snapshot', l), (s) => s.processes.some((p) => p.pid === hog.pid), 10_000);
    const target = seen.processes.find((p) => p.pid === hog.pid)!;
    const markersBefore = ((await call(service, 'getHistory')) as { markers: ReapMarker[] }).markers.length;
    const added = nextEvent<ReapMarker[]>((l) => service.on('markers', l), (m) => m.length === markersBefore + 1, 10_000);
    const recovered = nextEvent<ReapMarker[]>((l) => service.on('markers', l), (m) => m.length === markersBefore + 1 && m.at(-1)!.recoveredMs !== null, 35_000);

    const response = (await call(service, 'reap', { targets: [{ pid: hog.pid, startTime: target.startTime }] })) as {
      results: Array<{ ok: boolean; method: string | null; freedBytes: number }>;
    };
    expect(response.results).toHaveLength(1);
    expect(response.results[0]!.ok).toBe(true);
    expect(response.results[0]!.method).toBe('mrelease');
    expect(response.results[0]!.freedBytes).toBeGreaterThan(240 * MiB);

    const marker = (await added).at(-1)!;
    expect(marker.freedBytes).toBe(response.results[0]!.freedBytes);
    expect(marker.label).toBe(seen.apps.find((a) => a.id === target.appId)!.name);
    expect(marker.availableBeforeBytes).toBeGreaterThan(0);
    await hog.exited;
    const done = (await recovered).at(-1)!;
    expect(done.recoveredMs).toBeGreaterThanOrEqual(0);
    expect(done.recoveredMs).toBeLessThan(30_000);
    const history = (await call(service, 'getHistory')) as { markers: ReapMarker[] };
    expect(history.markers).toHaveLength(markersBefore + 1);
  }, 60_000);

  it('applies a new interval to the loop and announces settings and status', async () => {
    const settingsEvent = nextEvent<{ settings: { intervalMs: number } }>((l) => service.on('settings', l), () => true, 5_000);
    const statusEvent = nextEvent<Status>((l) => service.on('status', l), (s) => s.intervalMs === 250, 5_000);
    await call(service, 'setSettings', { intervalMs: 250 });
    expect((await settingsEvent).settings.intervalMs).toBe(250);
    await statusEvent;
    // Five ticks at the new pace: the gaps between snapshot times are near 250 ms, not 1000 ms.
    const times: number[] = [];
    await nextEvent<Snapshot>((l) => service.on('snapshot', l), (s) => s.intervalMs === 250 && times.push(s.time) >= 6, 10_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThan(150);
    expect(median).toBeLessThan(600);
    expect(((await call(service, 'getHistory')) as { intervalMs: number }).intervalMs).toBe(250);
    await call(service, 'setSettings', { intervalMs: 1000 });
  });

  it('hands the session-critical list from the settings to the reaper', async () => {
    const hog = startHog({ mib: 16 });
    await hog.ready;
    const seen = await nextEvent<Snapshot>((l) => service.on('snapshot', l), (s) => s.processes.some((p) => p.pid === hog.pid), 10_000);
    const target = seen.processes.find((p) => p.pid === hog.pid)!;
    expect(target.comm).toBe('node');
    await call(service, 'setSettings', { sessionCritical: ['node'] });
    try {
      const refused = (await call(service, 'reap', { targets: [{ pid: hog.pid, startTime: target.startTime }] })) as {
        results: Array<{ ok: boolean; error?: { code: string } }>;
      };
      expect(refused.results[0]).toMatchObject({ ok: false, error: { code: 'SESSION_CRITICAL' } });
      expect(hog.alive()).toBe(true);
    } finally {
      await call(service, 'setSettings', { sessionCritical: ['Xorg'] });
    }
    const reaped = (await call(service, 'reap', { targets: [{ pid: hog.pid, startTime: target.startTime }] })) as { results: Array<{ ok: boolean }> };
    expect(reaped.results[0]!.ok).toBe(true);
  });

  it('stops and resumes sampling on setPaused', async () => {
    const status = (await call(service, 'setPaused', { paused: true })) as Status;
    expect(status.paused).toBe(true);
    let ticks = 0;
    const stop = service.on('snapshot', () => ticks++);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(ticks).toBe(0);
    await call(service, 'setPaused', { paused: false });
    await nextEvent<Snapshot>((l) => service.on('snapshot', l), () => true, 5_000);
    stop();
    expect(((await call(service, 'getStatus')) as Status).paused).toBe(false);
  });

  it('emits reapPrompt when the shell asks for the confirmation', async () => {
    const prompt = nextEvent<{ appId: string }>((l) => service.on('reapPrompt', l), () => true, 1_000);
    service.promptReap('cg:/user.slice/app-firefox.scope');
    expect(await prompt).toEqual({ appId: 'cg:/user.slice/app-firefox.scope' });
  });

  it('sizes the history ring buffer from the settings', () => {
    expect(historyLengthFor({ intervalMs: 1000, historyMinutes: 10 } as never)).toBe(600);
    expect(historyLengthFor({ intervalMs: 250, historyMinutes: 1 } as never)).toBe(240);
  });
});
