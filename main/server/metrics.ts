/**
 * `GET /metrics` in browser mode: the latest snapshot (one tick, never mixed) and the counters this
 * server kept since it started, as OpenMetrics 1.0 text for Prometheus.
 *
 * - Pressure: the kernel's cumulative PSI totals as counters named like node_exporter's pressure
 *   collector (`some` → `…_waiting_seconds_total`, `full` → `…_stalled_seconds_total`), so the same
 *   dashboards and `rate()` queries work. A resource the kernel does not report is left out.
 * - Memory: available, total, swap used/total, zram — gauges in bytes.
 * - Apps: RSS and swap for the top `topApps` app names by RSS plus one `app="other"` bucket (the rest
 *   summed), so a machine with thousands of short-lived apps cannot explode Prometheus' label space.
 *   Per-app pressure counters go out for at most `topApps` cgroup apps (those with the most stall),
 *   labelled by app and cgroup path; no "other" bucket there, because a sum over a changing set of
 *   groups would not be a counter.
 * - Events: one counter per marker kind (reap, auto-reap, warning, would-reap, oom-kill, oomd-kill),
 *   counted once each from the service's `markers` event since this server started (a marker whose
 *   recovery is measured later is the same marker), the bytes reaps freed, and the kernel's own
 *   `oom_kill` count since boot (/proc/vmstat).
 * - `headroom_sample_timestamp_seconds` says which tick the figures are from.
 *
 * Access: `Authorization: Bearer <token>` with the browser-mode token, compared in constant time;
 * no credential → 401 with `WWW-Authenticate: Bearer`, a wrong one → 403. Nothing else opens it (no
 * query-string token, no cookie): a scraper sends a header, and only the header is checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MarkerKind, ReapMarker } from '../../contract/history';
import { MARKER_KINDS } from '../../contract/plain';
import type { PsiResource, Snapshot } from '../../contract/snapshot';
import type { HeadroomService } from '../service/types';
import { bearerToken, tokenMatches } from './auth';

/** The content type OpenMetrics 1.0 asks for. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** App names that get their own series by default; the rest go into `app="other"`. */
export const DEFAULT_TOP_APPS = 20;
/** A marker older than this when first seen was made before the server started: not counted. */
const STARTUP_SLACK_MS = 1000;

/** The counters the exporter keeps, and the text for one scrape. */
export interface MetricsExporter {
  /** The OpenMetrics text for the latest snapshot (or only the counters before the first tick). */
  render(): string;
  /** Answer a request to /metrics: auth, method, then the text. */
  handle(req: IncomingMessage, res: ServerResponse, token: string): void;
  /** Stop listening to the service. */
  close(): void;
}

/** Start counting the service's events; `latest` gives the snapshot a scrape reports. */
export function createMetricsExporter(service: HeadroomService, options: { topApps?: number; now?: () => number } = {}): MetricsExporter {
  const topApps = Math.max(1, options.topApps ?? DEFAULT_TOP_APPS);
  const now = options.now ?? Date.now;
  const startedAt = now();
  const events = new Map<MarkerKind, number>(MARKER_KINDS.map((k) => [k, 0]));
  let freedBytes = 0;
  const seen = new Set<string>();
  let latest: Snapshot | null = null;

  function count(markers: readonly ReapMarker[]): void {
    for (const m of markers) {
      const key = `${m.time}\u0000${m.kind}\u0000${m.label}\u0000${m.detail}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (m.time < startedAt - STARTUP_SLACK_MS) continue;
      events.set(m.kind, (events.get(m.kind) ?? 0) + 1);
      if (m.kind === 'reap' || m.kind === 'auto-reap') freedBytes += m.freedBytes;
    }
    // The service keeps a bounded list; forget keys that can no longer come back.
    if (seen.size > 4 * Math.max(200, markers.length)) {
      const keep = new Set(markers.map((m) => `${m.time}\u0000${m.kind}\u0000${m.label}\u0000${m.detail}`));
      for (const k of seen) if (!keep.has(k)) seen.delete(k);
    }
  }

  const offMarkers = service.on('markers', count);
  const offSnapshot = service.on('snapshot', (s) => (latest = s));

  function render(): string {
    if (!latest) {
      // Created after the service started: its latest tick, when its handler answers synchronously.
      const answer = service.handlers.getSnapshot({});
      if (answer && !(answer instanceof Promise)) latest = answer;
    }
    return renderOpenMetrics(latest, { events, freedBytes }, topApps);
  }

  return {
    render,
    handle(req, res, token) {
      const presented = bearerToken(req);
      if (presented === null) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="headroom"', 'Cache-Control': 'no-store' });
        res.end('Unauthorized: send Authorization: Bearer <token>, with the token headroom serve printed.\n');
        return;
      }
      if (!tokenMatches(presented, token)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('Forbidden: that is not the token of this headroom serve (it changes on every start).\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Method not allowed: /metrics only answers GET.\n');
        return;
      }
      const body = render();
      res.writeHead(200, { 'Content-Type': OPENMETRICS_CONTENT_TYPE, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    close() {
      offMarkers();
      offSnapshot();
    },
  };
}

/** The counters besides the snapshot. */
export interface MetricCounters {
  events: ReadonlyMap<MarkerKind, number>;
  freedBytes: number;
}

/** A label value escaped as OpenMetrics asks: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A number as OpenMetrics text (integers without a fraction, NaN and infinities spelled out). */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

type Labels = Record<string, string>;

class Writer {
  private readonly lines: string[] = [];
  /** One family: TYPE, UNIT (when given), HELP, then its samples. */
  family(name: string, type: 'counter' | 'gauge', unit: string, help: string, samples: ReadonlyArray<[Labels, number]>): void {
    this.lines.push(`# TYPE ${name} ${type}`);
    if (unit) this.lines.push(`# UNIT ${name} ${unit}`);
    this.lines.push(`# HELP ${name} ${help}`);
    const sampleName = type === 'counter' ? `${name}_total` : name;
    for (const [labels, value] of samples) {
      const keys = Object.keys(labels);
      const text = keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(',')}}`;
      this.lines.push(`${sampleName}${text} ${num(value)}`);
    }
  }
  text(): string {
    return this.lines.join('\n') + '\n# EOF\n';
  }
}

const PSI_RESOURCES = ['memory', 'cpu', 'io'] as const;
const WORDS = { memory: 'memory', cpu: 'CPU', io: 'I/O' } as const;

/** The OpenMetrics text for one snapshot (null before the first tick) and the counters. */
export function renderOpenMetrics(s: Snapshot | null, counters: MetricCounters, topApps = DEFAULT_TOP_APPS): string {
  const w = new Writer();
  if (s) {
    for (const r of PSI_RESOURCES) {
      const psi: PsiResource | null | undefined = s.psi?.[r];
      if (!psi) continue;
      w.family(`headroom_pressure_${r}_waiting_seconds`, 'counter', 'seconds', `Total time at least one task waited for ${WORDS[r]} (PSI some total).`, [[{}, psi.some.totalUs / 1e6]]);
      if (psi.full) {
        w.family(`headroom_pressure_${r}_stalled_seconds`, 'counter', 'seconds', `Total time all non-idle tasks were stalled on ${WORDS[r]} (PSI full total).`, [[{}, psi.full.totalUs / 1e6]]);
      }
    }
    const m = s.memory;
    w.family('headroom_memory_available_bytes', 'gauge', 'bytes', 'MemAvailable: memory that can be given to new work without swapping.', [[{}, m.availableBytes]]);
    w.family('headroom_memory_total_bytes', 'gauge', 'bytes', 'MemTotal.', [[{}, m.totalBytes]]);
    w.family('headroom_swap_used_bytes', 'gauge', 'bytes', 'Swap in use (SwapTotal - SwapFree).', [[{}, Math.max(0, m.swapTotalBytes - m.swapFreeBytes)]]);
    w.family('headroom_swap_total_bytes', 'gauge', 'bytes', 'SwapTotal.', [[{}, m.swapTotalBytes]]);
    w.family('headroom_zram_used_bytes', 'gauge', 'bytes', 'Memory used by zram devices, compressed data and overhead.', [[{}, m.zram.reduce((sum, z) => sum + z.usedBytes, 0)]]);
    if (m.oomKills !== null) {
      w.family('headroom_kernel_oom_kills', 'counter', '', 'Processes the kernel OOM killer ended since boot (oom_kill in /proc/vmstat).', [[{}, m.oomKills]]);
    }
    const apps = appBuckets(s, topApps);
    w.family('headroom_app_rss_bytes', 'gauge', 'bytes', `Resident memory per app, the top ${topApps} app names by RSS and "other" for the rest.`, apps.map((a) => [{ app: a.name }, a.rss]));
    w.family('headroom_app_swap_bytes', 'gauge', 'bytes', `Swapped-out memory per app, the same apps as headroom_app_rss_bytes.`, apps.map((a) => [{ app: a.name }, a.swap]));
    const pressured = pressuredApps(s, topApps);
    w.family('headroom_app_pressure_memory_waiting_seconds', 'counter', 'seconds', `Per-app memory PSI some total (cgroup memory.pressure), the ${topApps} apps with the most stall.`, pressured.map((a) => [{ app: a.name, cgroup: a.cgroup }, a.some]));
    w.family('headroom_app_pressure_memory_stalled_seconds', 'counter', 'seconds', 'Per-app memory PSI full total, the same apps.', pressured.filter((a) => a.full !== null).map((a) => [{ app: a.name, cgroup: a.cgroup }, a.full!]));
    w.family('headroom_sample_timestamp_seconds', 'gauge', 'seconds', 'Wall-clock time of the snapshot these figures come from.', [[{}, s.time / 1000]]);
  }
  w.family('headroom_events', 'counter', '', 'Recorded events by kind since this server started: reaps by hand, guard auto-reaps, warnings and would-reaps, kernel OOM kills, systemd-oomd kills.', MARKER_KINDS.map((k) => [{ kind: k }, counters.events.get(k) ?? 0]));
  w.family('headroom_reaped_bytes', 'counter', 'bytes', 'Memory freed by reaps (by hand and by the guard) since this server started.', [[{}, counters.freedBytes]]);
  return w.text();
}

interface AppBucket {
  name: string;
  rss: number;
  swap: number;
}

/** RSS and swap per app name, the top `n` names by RSS, the rest summed into "other" (always present). */
export function appBuckets(s: Snapshot, n: number): AppBucket[] {
  const byName = new Map<string, AppBucket>();
  for (const a of s.apps) {
    // "other" is the bucket's name: an app really called that is renamed rather than forging a twin.
    const name = a.name === 'other' ? 'other (app)' : a.name;
    const b = byName.get(name);
    if (b) {
      b.rss += a.rssBytes;
      b.swap += a.swapBytes;
    } else byName.set(name, { name, rss: a.rssBytes, swap: a.swapBytes });
  }
  const sorted = [...byName.values()].sort((x, y) => y.rss - x.rss || (x.name < y.name ? -1 : 1));
  const top = sorted.slice(0, n);
  const other: AppBucket = { name: 'other', rss: 0, swap: 0 };
  for (const b of sorted.slice(n)) {
    other.rss += b.rss;
    other.swap += b.swap;
  }
  return [...top, other];
}

interface PressuredApp {
  name: string;
  cgroup: string;
  some: number;
  full: number | null;
}

/** Cgroup apps with their own memory.pressure, the `n` with the most stall (some total). */
export function pressuredApps(s: Snapshot, n: number): PressuredApp[] {
  const out: PressuredApp[] = [];
  const cgroups = new Set<string>();
  for (const a of s.apps) {
    if (!a.pressure || a.cgroup === null || cgroups.has(a.cgroup)) continue;
    cgroups.add(a.cgroup);
    out.push({ name: a.name, cgroup: a.cgroup, some: a.pressure.some.totalUs / 1e6, full: a.pressure.full ? a.pressure.full.totalUs / 1e6 : null });
  }
  return out.sort((x, y) => y.some - x.some || (x.cgroup < y.cgroup ? -1 : 1)).slice(0, n);
}
