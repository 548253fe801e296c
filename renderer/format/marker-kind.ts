/**
 * What a chart marker says and how it looks, by kind: a reap by hand, the guard's auto-reap, its
 * warning or would-reap, a kernel OOM kill, a systemd-oomd kill. Each kind gets its own class
 * (hr-marker-<kind>, styled in guard.css) and words; the marker's `detail` (one line in plain
 * words) becomes its accessible title, so hovering or a screen reader tells what happened.
 *
 * Only Headroom's own reaps show the freed amount and a recovery; a warning freed nothing and must
 * not sit at "measuring…" for ever. The one-line explanations (eventLine) and wall-clock times of
 * the event list and scrubber are in format/events.ts, on top of these words.
 */
import { displayName, visibleControls } from '../../contract/display-name';
import type { MarkerKind, ReapMarker } from '../../contract/history';
import { markerLabel, recoveryText } from './units';

const KIND_WORDS: Record<MarkerKind, string> = {
  reap: 'Reap',
  'auto-reap': 'Auto-reap',
  warning: 'Guard warning',
  'would-reap': 'Would reap',
  'oom-kill': 'Kernel OOM kill',
  'oomd-kill': 'systemd-oomd kill',
};

/**
 * Kinds whose freed memory Headroom itself measured and whose recovery it follows: its own reaps.
 * An OOM kill by the kernel or systemd-oomd freed memory too, but Headroom saw only its trace.
 */
export function freesMemory(kind: MarkerKind): boolean {
  return kind === 'reap' || kind === 'auto-reap';
}

/** The kind in words: "Auto-reap", "Kernel OOM kill"… */
export function markerKindInWords(kind: MarkerKind): string {
  return KIND_WORDS[kind];
}

/** The CSS class of a marker of this kind. */
export function markerClass(kind: MarkerKind): string {
  return `hr-marker-${kind}`;
}

/** Kinds that end a process, so the chart can say how much it held (the kernel's kills included). */
function endsProcess(kind: MarkerKind): boolean {
  return kind !== 'warning' && kind !== 'would-reap';
}

/** The words on the chart: "leaky −2.1 GiB" for a reap, "Auto-reap: hrdrill −512 MiB", "Guard warning: hrdrill". */
export function markerText(m: Pick<ReapMarker, 'kind' | 'label' | 'freedBytes'>): string {
  // The label is a name a program gave itself: isolated, so it cannot reorder the words around it.
  const label = displayName(m.label);
  const text = endsProcess(m.kind) && m.freedBytes > 0 ? markerLabel(label, m.freedBytes) : label;
  return m.kind === 'reap' ? text : `${KIND_WORDS[m.kind]}: ${text}`;
}

/** The accessible title: the detail line when there is one, else the chart words. */
export function markerTitle(m: Pick<ReapMarker, 'kind' | 'label' | 'freedBytes' | 'detail'>): string {
  return m.detail.trim() !== '' ? visibleControls(m.detail) : markerText(m);
}

/** The recovery words under a marker, or '' for kinds that free nothing. */
export function markerRecoveryText(m: Pick<ReapMarker, 'kind' | 'recoveredMs'>): string {
  return freesMemory(m.kind) ? recoveryText(m.recoveredMs) : '';
}

/** The newest marker that freed memory (the "Last reap" line), if any. */
export function latestFreeingMarker(markers: readonly ReapMarker[]): ReapMarker | undefined {
  for (let i = markers.length - 1; i >= 0; i--) if (freesMemory(markers[i]!.kind)) return markers[i];
  return undefined;
}
