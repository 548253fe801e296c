/** The tray icon's state and tooltip from the latest snapshot: pure, so the shell only picks an icon. */
import type { Settings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import { formatBytes } from './format';

export type TrayLevel = 'calm' | 'some' | 'full';

/**
 * `full` when memory PSI full avg10 ≥ the guard's act level, `some` when some avg10 ≥ its warn level
 * (the levels the chart's lines show), else `calm`. No snapshot yet, or a kernel without memory PSI,
 * is `calm` (the tooltip says why).
 */
export function trayLevel(snapshot: Snapshot | null, settings: Settings): TrayLevel {
  const memory = snapshot?.psi?.memory ?? null;
  if (memory === null) return 'calm';
  if (memory.full !== null && memory.full.avg10 >= settings.guardActFullPct) return 'full';
  if (memory.some.avg10 >= settings.guardWarnSomePct) return 'some';
  return 'calm';
}

/** One line for the tray tooltip, e.g. "Headroom: memory pressure high (full 14 %, some 38 %), 1.2 GiB available". */
export function trayTooltip(snapshot: Snapshot | null, settings: Settings, paused: boolean): string {
  if (paused) return 'Headroom: sampling paused';
  if (snapshot === null) return 'Headroom: starting…';
  const available = `${formatBytes(snapshot.memory.availableBytes)} available`;
  const memory = snapshot.psi?.memory ?? null;
  if (memory === null) return `Headroom: memory pressure unknown (this kernel reports no PSI), ${available}`;
  const words = { calm: 'calm', some: 'rising', full: 'high' }[trayLevel(snapshot, settings)];
  const full = memory.full === null ? '' : `full ${memory.full.avg10.toFixed(0)} %, `;
  return `Headroom: memory pressure ${words} (${full}some ${memory.some.avg10.toFixed(0)} %), ${available}`;
}
