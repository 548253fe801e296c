/**
 * Reap markers (and the look-back cursor) on the charts without re-rendering every tick.
 *
 * The charts' time axis is relative: "now" is the right edge, so every marker moves left a little
 * each tick. Placed relative to the newest sample, each marker's position changed every tick, and
 * the charts re-rendered their marker layers — recharts reference lines, labels, recovery areas —
 * with it: about twice the whole window's main-thread time per update while a marker was in view
 * (ten minutes after every reap; docs/BENCHMARKS.md, "Markers").
 *
 * Here markers are placed once, relative to an anchor time (the newest sample's when they were
 * placed), inside a group whose `transform` follows the feed: a tick rewrites one attribute per
 * chart (LiveShift). The markers are placed again only when what is drawn changes: a marker enters
 * or leaves the window, a marker changes (its recovery measured), a label moves to the other side
 * of its line, the window or the cursor changes. A recovery still being measured is drawn up to the
 * plot's right edge ("now") by a clipped area that needs no update.
 */
import { memo, useCallback, useRef, type ReactNode } from 'react';
import { DefaultZIndexes, ZIndexLayer, usePlotArea } from 'recharts';
import type { MarkerKind, ReapMarker } from '../../contract/history';
import { freesMemory, markerClass, markerRecoveryText, markerText, markerTitle } from '../format/marker-kind';
import type { PlotData } from '../state/series';
import { useLiveAttribute, type Feed } from './live-path';
import { MarkerLabel } from './MarkerLabel';

/** A marker placed on the charts, in absolute time (ms since the epoch). */
export interface PlotMarker {
  key: string;
  time: number;
  /** End of the recovery highlight; null while still measuring or never recovered (up to now). */
  recoveryEnd: number | null;
  label: string;
  recovery: string;
  /** Only the newest marker in view is labelled in words, so labels never pile up. */
  newest: boolean;
  /** In the right half of the chart: the label goes left of the line so it is not clipped. */
  leftOfLine: boolean;
  kind: MarkerKind;
  /** The one-line explanation (the marker's detail), shown as its tooltip and accessible title. */
  title: string;
}

/** What the charts draw besides their lines: markers and cursor, placed relative to `anchor`. */
export interface MarkerFrame {
  markers: readonly PlotMarker[];
  /** The newest sample's time when these were placed: x = time − anchor on the relative axis, then shifted. */
  anchor: number;
  /** The look-back cursor's time, or null when there is none in view. */
  cursor: number | null;
}

const NO_MARKERS: readonly PlotMarker[] = [];

/** The visible markers' placement, the same object while nothing drawn changes (see the file comment). */
export function useMarkerFrame(markers: readonly ReapMarker[], to: number, windowMs: number, intervalMs: number, cursorTime: number | null | undefined): MarkerFrame {
  const last = useRef<{ signature: unknown[]; frame: MarkerFrame } | null>(null);
  const visible = markers.filter((m) => m.time >= to - windowMs && m.time <= to + intervalMs);
  const cursor = cursorTime === null || cursorTime === undefined || cursorTime < to - windowMs ? null : Math.min(to, cursorTime);
  // Everything the drawing depends on but positions: which markers (by identity), their label side,
  // the window and the cursor.
  const signature: unknown[] = [windowMs, intervalMs, cursor];
  for (const m of visible) signature.push(m, m.time - to > -windowMs / 2);
  const previous = last.current;
  if (previous && previous.signature.length === signature.length && previous.signature.every((v, i) => v === signature[i])) return previous.frame;
  const placed: readonly PlotMarker[] =
    visible.length === 0
      ? NO_MARKERS
      : visible.map((m, i) => {
          return {
            key: `${m.time}-${m.kind}-${m.label}`,
            time: m.time,
            // At least one tick wide so a fast recovery is visible.
            recoveryEnd: freesMemory(m.kind) ? (m.recoveredMs === null ? null : m.time + Math.max(m.recoveredMs, intervalMs)) : m.time,
            label: markerText(m),
            recovery: markerRecoveryText(m),
            kind: m.kind,
            title: markerTitle(m),
            newest: i === visible.length - 1,
            leftOfLine: m.time - to > -windowMs / 2,
          };
        });
  const frame = { markers: placed, anchor: to, cursor };
  last.current = { signature, frame };
  return frame;
}

/** A group that follows the newest sample: translated left by the time since `anchor`, written straight to the DOM each tick. */
export const LiveShift = memo(function LiveShift({ feed, anchor, pxPerMs, children }: { feed: Feed<PlotData>; anchor: number; pxPerMs: number; children: ReactNode }) {
  const ref = useRef<SVGGElement>(null);
  const transformOf = useCallback((data: PlotData) => `translate(${-(data.to - anchor) * pxPerMs},0)`, [anchor, pxPerMs]);
  useLiveAttribute(ref, feed, 'transform', transformOf);
  return <g ref={ref}>{children}</g>;
});

/** A vertical marker line with its label, at pixel `x` from `top` to `bottom`. */
export function MarkerLine({ marker, x, top, bottom, text }: { marker: PlotMarker; x: number; top: number; bottom: number; text: string }) {
  return (
    <g className={`hr-marker-line ${markerClass(marker.kind)}`}>
      <line x1={x} x2={x} y1={top} y2={bottom} />
      <MarkerLabel text={text} viewBox={{ x, y: top }} showText={marker.newest} leftOfLine={marker.leftOfLine} kind={marker.kind} title={marker.title} />
    </g>
  );
}

/** The markers and the cursor inside the recharts pressure chart, in its plot area (above the lines, as its reference lines were). */
export const PressureMarkers = memo(function PressureMarkers({ frame, feed, windowMs }: { frame: MarkerFrame; feed: Feed<PlotData>; windowMs: number }) {
  const area = usePlotArea();
  if (!area || (frame.markers.length === 0 && frame.cursor === null)) return null;
  const xOf = (time: number) => area.x + ((time - frame.anchor + windowMs) / windowMs) * area.width;
  const bottom = area.y + area.height;
  return (
    <ZIndexLayer zIndex={DefaultZIndexes.line}>
      <LiveShift feed={feed} anchor={frame.anchor} pxPerMs={area.width / windowMs}>
        {frame.markers.map((m) => (
          <MarkerLine key={m.key} marker={m} x={xOf(m.time)} top={area.y} bottom={bottom} text={m.label} />
        ))}
        {frame.cursor === null ? null : (
          <g className="hr-cursor-line">
            <line x1={xOf(frame.cursor)} x2={xOf(frame.cursor)} y1={area.y} y2={bottom} strokeDasharray="3 3" />
          </g>
        )}
      </LiveShift>
    </ZIndexLayer>
  );
});
