/**
 * The contract's values that need no zod: constants and pure functions main uses from its first tick,
 * before anything has to be validated. `headroom serve` without a window loads no zod at all (the
 * schemas with the part of zod main loads, contract/zod.ts, are +5.9 MiB of RSS; docs/BENCHMARKS.md,
 * "Seventh pass"); they load with the first thing that needs them (a window's first message, a reap,
 * a settings file to parse).
 * Everything here is re-exported where it belongs (history.ts, settings.ts, wire.ts), so the
 * renderer and the rest of the contract see no difference.
 */
import type { HistoryPoint } from './history';
import type { ReapMode, ReapRequest, ReapTarget } from './reap';
import { DEFAULT_SESSION_CRITICAL } from './session-critical';
import type { Settings } from './settings';
import type { Snapshot } from './snapshot';

/** Largest message either side of the WebSocket accepts. */
export const MAX_WIRE_MESSAGE_BYTES = 1024 * 1024;

/** The most processes one reap request names (reap.ts's ReapRequestSchema); more go in several. */
export const MAX_TARGETS_PER_REQUEST = 512;

/** The reap requests for `targets`: one per MAX_TARGETS_PER_REQUEST of them, in order. */
export function reapRequests(targets: readonly ReapTarget[], mode: ReapMode, force: boolean): ReapRequest[] {
  const requests: ReapRequest[] = [];
  for (let i = 0; i < targets.length; i += MAX_TARGETS_PER_REQUEST) {
    requests.push({ targets: targets.slice(i, i + MAX_TARGETS_PER_REQUEST), mode, force });
  }
  return requests;
}

/**
 * What a marker on the chart stands for: a reap by hand, the guard's auto-reap, its warning or
 * would-reap, a kernel OOM kill, a systemd-oomd kill (history.ts's MarkerKindSchema).
 */
export const MARKER_KINDS = ['reap', 'auto-reap', 'warning', 'would-reap', 'oom-kill', 'oomd-kill'] as const;

/** The settings' scalar defaults; SettingsSchema's `.default()`s read them (defaults live here and only here). */
export const SETTING_DEFAULTS = {
  intervalMs: 1000,
  historyMinutes: 10,
  notifications: true,
  endGraceMs: 5000,
  guardWarnSomePct: 10,
  guardActFullPct: 20,
  guardSustainSeconds: 2,
  guardCooldownSeconds: 30,
  autoReap: false,
  recorderRetentionHours: 24,
  recorderMaxMiB: 64,
} as const;

/** The defaults, as a fresh object (the same as SettingsSchema.parse({}); test/settings checks it). */
export function defaultSettings(): Settings {
  return { ...SETTING_DEFAULTS, sessionCritical: [...DEFAULT_SESSION_CRITICAL], autoReapAvoid: [], autoReapPrefer: [] };
}

/** The graph point for one snapshot. */
export function historyPointOf(s: Snapshot): HistoryPoint {
  const m = s.memory;
  const zramUsedBytes = m.zram.reduce((sum, z) => sum + z.usedBytes, 0);
  return {
    t: s.time,
    memSomePct: s.psi?.memory?.some.tickPct ?? null,
    memFullPct: s.psi?.memory?.full?.tickPct ?? null,
    memSomeAvg10: s.psi?.memory?.some.avg10 ?? null,
    memFullAvg10: s.psi?.memory?.full?.avg10 ?? null,
    cpuSomePct: s.psi?.cpu?.some.tickPct ?? null,
    ioSomePct: s.psi?.io?.some.tickPct ?? null,
    availableBytes: m.availableBytes,
    usedBytes: Math.max(0, m.totalBytes - m.availableBytes),
    swapUsedBytes: Math.max(0, m.swapTotalBytes - m.swapFreeBytes),
    zramUsedBytes,
  };
}
