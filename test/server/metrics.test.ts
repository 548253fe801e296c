// GET /metrics on the real browser-mode server over the real service (real sampler, real reaper):
// parsed by Debian's strict OpenMetrics parser (python3-prometheus-client), values checked against
// the snapshot of the same tick, the Bearer credential enforced, and a real reap counted.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReapMarker } from '../../contract/history';
import type { Snapshot } from '../../contract/snapshot';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from '../../main/server/metrics';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';
import { makeSnapshot } from '../renderer/factory';
import { startHog, stopAllHogs } from '../support/hogs';
import { get } from './raw-get';

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  documentation: string;
  samples: ParsedSample[];
}

const PARSER = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({'name': f.name, 'type': f.type, 'unit': f.unit, 'documentation': f.documentation,
                'samples': [{'name': s.name, 'labels': s.labels, 'value': s.value} for s in f.samples]})
print(json.dumps(out))
`;

/** Parse with Debian's strict OpenMetrics parser; throws with its message when it refuses the text. */
export function parseOpenMetrics(text: string): ParsedFamily[] {
  const r = spawnSync('/usr/bin/python3', ['-c', PARSER], { input: text, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`the OpenMetrics parser refused the text: ${r.stderr}`);
  return JSON.parse(r.stdout) as ParsedFamily[];
}

function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)) return s.value;
    }
  }
  throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
}

function nextEvent<T>(subscribe: (l: (d: T) => void) => () => void, accept: (d: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    const off = subscribe((d) => {
      if (!accept(d)) return;
      clearTimeout(timer);
      off();
      resolve(d);
    });
  });
}

describe('OpenMetrics text (renderer only)', () => {
  it('escapes hostile app names, bounds the apps to the top N plus "other", and passes the strict parser', () => {
    const apps = Array.from({ length: 8 }, (_, i) => ({ name: `app${i}`, processes: [{ pid: 100 + i, comm: `app${i}`, rssMiB: 10 * (i + 1), swapMiB: i }] }));
    apps.push({ name: 'evil "quoted" \\ back\nslash', processes: [{ pid: 200, comm: 'evil', rssMiB: 500, swapMiB: 1 }] });
    apps.push({ name: 'other', processes: [{ pid: 201, comm: 'other', rssMiB: 400, swapMiB: 0 }] });
    const s = makeSnapshot(apps);
    const text = renderOpenMetrics(s, { events: new Map([['oom-kill', 2]]), freedBytes: 7 }, 3);
    expect(text.endsWith('# EOF\n')).toBe(true);
    const families = parseOpenMetrics(text);
    const rss = families.find((f) => f.name === 'headroom_app_rss_bytes')!;
    expect(rss.type).toBe('gauge');
    expect(rss.unit).toBe('bytes');
    const names = rss.samples.map((x) => x.labels.app);
    expect(names).toEqual(['evil "quoted" \\ back\nslash', 'other (app)', 'app7', 'other']);
    const total = s.apps.reduce((sum, a) => sum + a.rssBytes, 0);
    expect(rss.samples.reduce((sum, x) => sum + x.value, 0)).toBe(total);
    expect(sample(families, 'headroom_events_total', { kind: 'oom-kill' })).toBe(2);
    expect(sample(families, 'headroom_events_total', { kind: 'reap' })).toBe(0);
    expect(sample(families, 'headroom_reaped_bytes_total')).toBe(7);
    // The parser rejects what breaks the format: prove it is strict, so the passes above mean something.
    expect(() => parseOpenMetrics(text.replace('# EOF\n', ''))).toThrow(/refused/);
    expect(() => parseOpenMetrics(text.replace('# UNIT headroom_app_rss_bytes bytes', '# UNIT headroom_app_rss_bytes seconds'))).toThrow(/refused/);
  });

  it('says only the counters before the first tick', () => {
    const families = parseOpenMetrics(renderOpenMetrics(null, { events: new Map(), freedBytes: 0 }));
    expect(families.map((f) => f.name).sort()).toEqual(['headroom_events', 'headroom_reaped_bytes']);
  });
});

describe('GET /metrics on headroom serve', () => {
  let service: HostedHeadroomService;
  let server: BrowserServer;
  let port: number;

  beforeAll(async () => {
    service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore(), recorder: null });
    server = await startBrowserServer({ service, port: 0, log: () => {} });
    port = server.port;
    const second = nextEvent<Snapshot>((l) => service.on('snapshot', l), (s) => s.seq >= 1, 15_000);
    service.start();
    await second;
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await service?.close();
  });

  afterEach(async () => {
    await stopAllHogs();
  });

  it('refuses without the token (401 + WWW-Authenticate: Bearer), with a wrong one (403), and for a foreign Host', async () => {
    const none = await get(port, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(none.body).not.toContain('headroom_');
    // The window's credentials do not open /metrics.
    expect((await get(port, `/metrics?token=${server.token}`)).status).toBe(401);
    expect((await get(port, '/metrics', { Cookie: `headroom_${port}=${server.token}` })).status).toBe(401);
    expect((await get(port, '/metrics', { Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` })).status).toBe(401);
    // Same length, last character changed (to one it is not: a token ending in 'A' once made this the right one).
    const wrongToken = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    expect(wrongToken).not.toBe(server.token);
    const wrong = await get(port, '/metrics', { Authorization: `Bearer ${wrongToken}` });
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toContain('headroom_');
    expect((await get(port, '/metrics', { Authorization: `Bearer ${server.token}x` })).status).toBe(403);
    expect((await get(port, '/metrics', { Host: 'evil.example:80', Authorization: `Bearer ${server.token}` })).status).toBe(403);
    expect((await get(port, '/metrics', { Authorization: `Bearer ${server.token}` }, 'POST')).status).toBe(405);
    // The scheme in any case, and more than one space after it (RFC 7235), are the same credential.
    expect((await get(port, '/metrics', { Authorization: `bearer   ${server.token}` })).status).toBe(200);
  });

  it('answers OpenMetrics the strict parser accepts, with the values of the same tick', async () => {
    // Paused: the latest snapshot stays the one /metrics reports.
    await service.handlers.setPaused({ paused: true });
    try {
      const reply = await get(port, '/metrics', { Authorization: `bearer ${server.token}` });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
      expect(reply.body.endsWith('\n# EOF\n')).toBe(true);
      const families = parseOpenMetrics(reply.body);
      const s = (await service.handlers.getSnapshot({}))!;
      expect(sample(families, 'headroom_sample_timestamp_seconds')).toBe(s.time / 1000);
      expect(sample(families, 'headroom_memory_available_bytes')).toBe(s.memory.availableBytes);
      expect(sample(families, 'headroom_memory_total_bytes')).toBe(s.memory.totalBytes);
      expect(sample(families, 'headroom_swap_used_bytes')).toBe(s.memory.swapTotalBytes - s.memory.swapFreeBytes);
      expect(s.psi?.memory).toBeTruthy();
      expect(sample(families, 'headroom_pressure_memory_waiting_seconds_total')).toBeCloseTo(s.psi!.memory!.some.totalUs / 1e6, 6);
      expect(sample(families, 'headroom_pressure_memory_stalled_seconds_total')).toBeCloseTo(s.psi!.memory!.full!.totalUs / 1e6, 6);
      expect(sample(families, 'headroom_pressure_io_waiting_seconds_total')).toBeCloseTo(s.psi!.io!.some.totalUs / 1e6, 6);
      expect(sample(families, 'headroom_pressure_cpu_waiting_seconds_total')).toBeCloseTo(s.psi!.cpu!.some.totalUs / 1e6, 6);
      expect(sample(families, 'headroom_kernel_oom_kills_total')).toBe(s.memory.oomKills);
      const waiting = families.find((f) => f.name === 'headroom_pressure_memory_waiting_seconds')!;
      expect(waiting).toMatchObject({ type: 'counter', unit: 'seconds' });
      // Every real app is counted once: the top names plus "other" sum to the snapshot's apps.
      const rss = families.find((f) => f.name === 'headroom_app_rss_bytes')!;
      expect(rss.samples.length).toBeLessThanOrEqual(21);
      expect(rss.samples.reduce((sum, x) => sum + x.value, 0)).toBe(s.apps.reduce((sum, a) => sum + a.rssBytes, 0));
      const biggest = [...s.apps].sort((a, b) => b.rssBytes - a.rssBytes)[0]!;
      expect(sample(families, 'headroom_app_rss_bytes', { app: biggest.name })).toBeGreaterThanOrEqual(biggest.rssBytes);
      const head = await get(port, '/metrics', { Authorization: `Bearer ${server.token}` }, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    } finally {
      await service.handlers.setPaused({ paused: false });
    }
  }, 30_000);

  it('counts a real reap and the bytes it freed', async () => {
    const before = parseOpenMetrics((await get(port, '/metrics', { Authorization: `Bearer ${server.token}` })).body);
    const reapsBefore = sample(before, 'headroom_events_total', { kind: 'reap' });
    const hog = startHog({ mib: 64, lifetimeSec: 60 });
    await hog.ready;
    const seen = await nextEvent<Snapshot>((l) => service.on('snapshot', l), (s) => s.processes.some((p) => p.pid === hog.pid), 10_000);
    const target = seen.processes.find((p) => p.pid === hog.pid)!;
    const added = nextEvent<ReapMarker[]>((l) => service.on('markers', l), () => true, 10_000);
    const response = await service.handlers.reap({ targets: [{ pid: hog.pid, startTime: target.startTime }], mode: 'kill', force: false });
    expect(response.results[0]!.ok).toBe(true);
    const marker = (await added).at(-1)!;
    const after = parseOpenMetrics((await get(port, '/metrics', { Authorization: `Bearer ${server.token}` })).body);
    expect(sample(after, 'headroom_events_total', { kind: 'reap' })).toBe(reapsBefore + 1);
    expect(sample(after, 'headroom_reaped_bytes_total')).toBe(sample(before, 'headroom_reaped_bytes_total') + marker.freedBytes);
    expect(marker.freedBytes).toBeGreaterThan(32 * 1024 * 1024);
  }, 30_000);
});
