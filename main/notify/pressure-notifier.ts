/**
 * The pressure notification decision, kept out of the Electron shell so it runs (and is tested)
 * under plain Node: feed it every snapshot; it answers with a notice when memory PSI `full` avg10 has
 * stayed above the threshold long enough, naming the app most likely to be the cause.
 */
import type { Settings } from '../../contract/settings';
import type { AppInfo, Snapshot } from '../../contract/snapshot';
import { formatBytes, formatRate } from './format';

/** Never more than one notification per this many milliseconds, whatever the pressure does. */
export const NOTICE_MIN_GAP_MS = 60_000;

export interface PressureNotice {
  title: string;
  /** Plain words, e.g. "Memory pressure is high. firefox is using 3.2 GiB and growing 120 MiB/s." */
  body: string;
  /** The app the Reap action would offer, or null when no app can be suggested. */
  appId: string | null;
  appName: string | null;
  /** Memory PSI full avg10 when the notice was made, in percent. */
  fullAvg10: number;
}

/**
 * Decides when to notify. One instance per shell; `observe` is called once per snapshot with the
 * settings in force and the current time from a monotonic clock (`performance.now()`), passed in so
 * the rules are testable without waiting.
 */
export class PressureNotifier {
  private highSinceMs: number | null = null;
  private lastObservedMs: number | null = null;
  private lastNoticeMs: number | null = null;

  /** The notice to show now, or null. Pressure must stay above the threshold for settings.notifyAfterSeconds. */
  observe(snapshot: Snapshot, settings: Settings, nowMs: number): PressureNotice | null {
    const fullAvg10 = snapshot.psi?.memory?.full?.avg10 ?? null;
    const gapMs = this.lastObservedMs === null ? 0 : nowMs - this.lastObservedMs;
    this.lastObservedMs = nowMs;
    // A clock set backwards must not silence notices for the size of the jump: the minute restarts now.
    if (this.lastNoticeMs !== null && nowMs < this.lastNoticeMs) this.lastNoticeMs = nowMs;
    // "Stayed above" needs continuous observation: after a pause in sampling (or a clock jump back)
    // we cannot know what happened in between, so the hold time starts over.
    const continuous = gapMs >= 0 && gapMs <= Math.max(3 * snapshot.intervalMs, 5_000);
    const high = settings.notifications && fullAvg10 !== null && fullAvg10 > settings.fullThresholdPct;
    if (!high || fullAvg10 === null) {
      this.highSinceMs = null;
      return null;
    }
    if (this.highSinceMs === null || !continuous) this.highSinceMs = nowMs;
    if (nowMs - this.highSinceMs < settings.notifyAfterSeconds * 1000) return null;
    if (this.lastNoticeMs !== null && nowMs - this.lastNoticeMs < NOTICE_MIN_GAP_MS) return null;
    this.lastNoticeMs = nowMs;
    return noticeFor(snapshot, settings, fullAvg10);
  }
}

/**
 * The app to suggest: the biggest grower (highest growthBytesPerSec, ties broken by RSS), skipping
 * apps that contain a session-critical process — reaping those would end the person's session.
 */
export function biggestGrower(snapshot: Snapshot, sessionCritical: readonly string[]): AppInfo | null {
  const critical = new Set(sessionCritical);
  const commOf = new Map(snapshot.processes.map((p) => [p.pid, p.comm]));
  let best: AppInfo | null = null;
  for (const app of snapshot.apps) {
    if (critical.has(app.name) || app.pids.some((pid) => critical.has(commOf.get(pid) ?? ''))) continue;
    if (
      best === null ||
      app.growthBytesPerSec > best.growthBytesPerSec ||
      (app.growthBytesPerSec === best.growthBytesPerSec && app.rssBytes > best.rssBytes)
    ) {
      best = app;
    }
  }
  return best;
}

function noticeFor(snapshot: Snapshot, settings: Settings, fullAvg10: number): PressureNotice {
  const title = 'Memory pressure is high';
  const app = biggestGrower(snapshot, settings.sessionCritical);
  const stalled = `Programs were stalled waiting for memory ${fullAvg10.toFixed(0)} % of the last 10 s.`;
  if (app === null) {
    return { title, body: `Memory pressure is high. ${stalled}`, appId: null, appName: null, fullAvg10 };
  }
  // Growth under 1 MiB/s is noise from the sampler's point of view; say only the size then.
  const growing = app.growthBytesPerSec >= 1024 * 1024 ? ` and growing ${formatRate(app.growthBytesPerSec)}` : '';
  const body = `Memory pressure is high. ${app.name} is using ${formatBytes(app.rssBytes)}${growing}.`;
  return { title, body, appId: app.id, appName: app.name, fullAvg10 };
}
