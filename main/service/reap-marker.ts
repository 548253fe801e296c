/** Turning one reap request's results into the one marker the chart draws for it. */
import type { ReapMarker } from '../../contract/history';
import type { ReapResult } from '../../contract/reap';
import type { Snapshot } from '../../contract/snapshot';

/**
 * The marker for a reap, or null when nothing was reaped (a marker for a refused reap would claim
 * a drop that never happened). Label: the app's name when every reaped process belongs to one app
 * (per the snapshot the person acted on), else the process names.
 */
export function markerForReap(results: readonly ReapResult[], snapshot: Snapshot | null, availableBeforeBytes: number): ReapMarker | null {
  const reaped = results.filter((r) => r.ok);
  if (reaped.length === 0) return null;
  const appIds = new Set<string | undefined>(
    reaped.map((r) => snapshot?.processes.find((p) => p.pid === r.pid && p.startTime === r.startTime)?.appId),
  );
  const onlyApp = appIds.size === 1 ? [...appIds][0] : undefined;
  const appName = onlyApp !== undefined ? snapshot?.apps.find((a) => a.id === onlyApp)?.name : undefined;
  const names = [...new Set(reaped.map((r) => r.name))];
  const label = appName ?? (names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`);
  const mreleaseTimes = reaped.map((r) => r.mreleaseMs).filter((ms): ms is number => ms !== null);
  const sentTimes = reaped.map((r) => r.time).filter((t) => t > 0);
  return {
    time: sentTimes.length > 0 ? Math.min(...sentTimes) : Date.now(),
    kind: 'reap',
    label,
    detail: '',
    freedBytes: reaped.reduce((sum, r) => sum + r.freedBytes, 0),
    // The targets are reaped one after another, so their process_mrelease times add up.
    mreleaseMs: mreleaseTimes.length > 0 ? mreleaseTimes.reduce((a, b) => a + b, 0) : null,
    availableBeforeBytes,
    recoveredMs: null,
  };
}
