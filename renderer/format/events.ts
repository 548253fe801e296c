/**
 * Recorded events in words for the event list and the look-back readout: the one line that explains
 * an event (the recorder's `detail` when it wrote one, else a sentence built from the label), a
 * wall-clock time, and one list of markers from the recorder and the live session without
 * duplicates. The kind's words are the chart markers' own (format/marker-kind.ts). Labels are names
 * programs gave themselves: isolated (displayName), and a detail's control characters shown as codes.
 */
import { displayName, visibleControls } from '../../contract/display-name';
import type { ReapMarker } from '../../contract/history';
import { markerKindInWords } from './marker-kind';
import { formatBytes } from './units';

/** The kind of event in two or three words ("Kernel OOM kill"): the chart markers' words. */
export const kindWords = markerKindInWords;

/** One line that explains the event: the recorder's detail, else a sentence from the label. */
export function eventLine(m: ReapMarker): string {
  if (m.detail) return visibleControls(m.detail);
  const label = displayName(m.label);
  switch (m.kind) {
    case 'reap':
      return `Reaped ${label}: ${formatBytes(m.freedBytes)} freed`;
    case 'auto-reap':
      return `The guard reaped ${label}: ${formatBytes(m.freedBytes)} freed`;
    case 'warning':
      return `The guard warned about ${label}`;
    case 'would-reap':
      return `The guard would have reaped ${label}`;
    case 'oom-kill':
      return `Kernel OOM killer ended ${label}`;
    case 'oomd-kill':
      return `systemd-oomd ended ${label}`;
  }
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time "14:03:27"; with the date ("Nov 28 14:03:27") when not today. */
export function clockTime(t: number, now = Date.now()): string {
  const d = new Date(t);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const today = new Date(now);
  if (d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate()) return time;
  return `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()} ${time}`;
}

/** A marker's identity across the recorder and the live list (its recovery may be measured later). */
export function markerKey(m: ReapMarker): string {
  return `${m.time}|${m.kind}|${m.label}`;
}

/**
 * The recorder's markers and the live ones as one list, oldest first; the live copy wins (it may
 * carry a recovery time measured since). Returns `live` itself when the recorder adds nothing.
 */
export function mergeMarkers(recorded: readonly ReapMarker[], live: readonly ReapMarker[]): readonly ReapMarker[] {
  if (recorded.length === 0) return live;
  const liveKeys = new Set(live.map(markerKey));
  if (recorded.every((m) => liveKeys.has(markerKey(m)))) return live;
  const byKey = new Map<string, ReapMarker>();
  for (const m of recorded) byKey.set(markerKey(m), m);
  for (const m of live) byKey.set(markerKey(m), m);
  return [...byKey.values()].sort((a, b) => a.time - b.time);
}
