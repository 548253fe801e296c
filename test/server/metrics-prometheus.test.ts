// A real Prometheus (Debian's 2.42, no systemd) scrapes GET /metrics of the real browser-mode server
// every second: the job with the token file is up and stores headroom_ series, the job without it
// is down. Prometheus runs from a temporary folder, is killed by PID and its folder removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { createHeadroomService, type HostedHeadroomService } from '../../main/service/headroom-service';
import { createMemorySettingsStore } from '../../main/service/memory-settings-store';

const PROMETHEUS = '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promPort: number, expr: string): Promise<Vector[]> {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: Vector[] } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

describe('a real Prometheus scrapes headroom serve', () => {
  let service: HostedHeadroomService;
  let server: BrowserServer;
  let dir: string;
  let prometheus: ChildProcess | null = null;
  let promLog = '';

  beforeAll(async () => {
    expect(existsSync(PROMETHEUS), 'Debian package prometheus is installed').toBe(true);
    service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore(), recorder: null });
    server = await startBrowserServer({ service, port: 0, log: () => {} });
    service.start();
    dir = mkdtempSync(join(tmpdir(), 'headroom-prometheus-'));
  });

  afterAll(async () => {
    try {
      if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
        const exited = new Promise((r) => prometheus!.once('exit', r));
        process.kill(prometheus.pid!, 'SIGKILL');
        await exited;
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      await server?.close();
      await service?.close();
    }
  });

  it('the job with the token is up and stores headroom_ series; the job without it is down', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, server.token, { mode: 0o600 });
    const target = `127.0.0.1:${server.port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: headroom',
        '    authorization:',
        `      credentials_file: ${tokenFile}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '  - job_name: headroom-without-token',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const promPort = await freePort();
    prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog = (promLog + d).slice(-20_000)));

    // Up to ~20 s: Prometheus starts, scrapes both jobs at 1 s, and the series become queryable.
    const deadline = Date.now() + 20_000;
    let up: Vector[] = [];
    let stored: Vector[] = [];
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode}: ${promLog}`);
      try {
        up = await query(promPort, 'up');
        stored = await query(promPort, 'count by (__name__) ({job="headroom",__name__=~"headroom_.+"})');
      } catch {
        continue; // not listening yet
      }
      if (up.length === 2 && stored.length > 0) break;
    }
    const upOf = (job: string) => up.find((v) => v.metric.job === job)?.value[1];
    expect(upOf('headroom'), promLog).toBe('1');
    expect(upOf('headroom-without-token'), promLog).toBe('0');
    const names = stored.map((v) => v.metric.__name__);
    expect(names).toContain('headroom_memory_available_bytes');
    expect(names).toContain('headroom_pressure_memory_waiting_seconds_total');
    expect(names).toContain('headroom_app_rss_bytes');
    // The stored value is a real MemAvailable, not a placeholder.
    const available = await query(promPort, 'headroom_memory_available_bytes{job="headroom"}');
    expect(Number(available[0]!.value[1])).toBeGreaterThan(64 * 1024 * 1024);
    // Nothing from the refused job was stored beyond Prometheus' own series about the scrape.
    expect(await query(promPort, '{job="headroom-without-token",__name__=~"headroom_.+"}')).toEqual([]);
  }, 40_000);
});
