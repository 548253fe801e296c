/**
 * A small line chart drawn as plain SVG: one path string per line per update, no chart library.
 * Used for the memory chart, which only needs lines, a time axis, a few value ticks and the reap
 * markers — recharts would cost several times more main-thread time per update for the same picture.
 * The points arrive through a feed (live-path.tsx): a tick redraws the lines' `d` attributes and
 * nothing else; React renders the frame (ticks, grid, markers) only when its props change.
 */
import { memo, useId, useMemo } from 'react';
import type { ChartPoint, PlotData } from '../state/series';
import { gappedPath } from './gapped-path';
import { markerClass } from '../format/marker-kind';
import { LiveShift, MarkerLine, type MarkerFrame } from './chart-markers';
import { LivePath, type Feed } from './live-path';
import { relativeTimeLabel, timeTicks } from './time-axis';

export type NumericKey = 'availableGiB' | 'usedGiB' | 'swapGiB' | 'zramGiB';

export interface SvgLine {
  key: NumericKey;
  className: string;
}

export interface SvgTimeChartProps {
  /** The points, published every tick. */
  feed: Feed<PlotData>;
  /** The value axis' top (niceMax of the highest value); changes rarely. */
  top: number;
  lines: readonly SvgLine[];
  windowMs: number;
  width: number;
  height: number;
  /** The reap markers, placed once and shifted with the feed (chart-markers.tsx); labelled with their recovery. */
  markers: MarkerFrame;
  formatValue(v: number): string;
  label: string;
}

const LEFT = 44;
const RIGHT = 12;
const TOP = 8;
const BOTTOM = 20;

/** A round upper bound for the value axis: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}

/** The path of one line (memory values are never missing, so it never breaks). */
export function linePath(data: PlotData, key: NumericKey, xOf: (x: number) => number, yOf: (v: number) => number): string {
  const to = data.to;
  return gappedPath(data.points, (p) => p[key], (p) => xOf(p.t - to), yOf, data.maxGapMs);
}

/** The highest value of `keys` in `data` (for niceMax). */
export function highestValue(data: readonly ChartPoint[], keys: readonly NumericKey[]): number {
  let max = 0;
  for (const p of data) for (const k of keys) if (p[k] > max) max = p[k];
  return max;
}

/** The chart. */
export const SvgTimeChart = memo(function SvgTimeChart({ feed, top, lines, windowMs, width, height, markers, formatValue, label }: SvgTimeChartProps) {
  // useId's characters (« », :) are not all safe inside url(#…).
  const clipId = `hr-plot-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const plotW = Math.max(10, width - LEFT - RIGHT);
  const plotH = Math.max(10, height - TOP - BOTTOM);
  const xOf = (x: number) => LEFT + ((x + windowMs) / windowMs) * plotW;
  const yOf = (v: number) => TOP + plotH - (Math.min(v, top) / top) * plotH;
  const valueTicks = [0, top / 2, top];
  // A marker's x before the shift: its time relative to the frame's anchor.
  const mx = (time: number) => xOf(time - markers.anchor);
  // One drawing function per line, the same while the frame is unchanged (a new one redraws).
  const paths = useMemo(() => {
    const x = (t: number) => LEFT + ((t + windowMs) / windowMs) * plotW;
    const y = (v: number) => TOP + plotH - (Math.min(v, top) / top) * plotH;
    return lines.map((l) => (data: PlotData) => linePath(data, l.key, x, y));
  }, [lines, windowMs, plotW, plotH, top]);
  return (
    <svg width={width} height={height} className="hr-chart hr-svg-chart" role="img" aria-label={label}>
      <defs>
        <clipPath id={clipId}>
          <rect x={LEFT} y={TOP} width={plotW} height={plotH} />
        </clipPath>
      </defs>
      {valueTicks.map((v) => (
        <g key={v}>
          <line x1={LEFT} x2={LEFT + plotW} y1={yOf(v)} y2={yOf(v)} className="hr-grid-line" />
          <text x={LEFT - 6} y={yOf(v)} dy={4} textAnchor="end" className="hr-tick">
            {formatValue(v)}
          </text>
        </g>
      ))}
      {timeTicks(windowMs).map((t) => (
        <text key={t} x={xOf(t)} y={height - 4} textAnchor={t === 0 ? 'end' : t === -windowMs ? 'start' : 'middle'} className="hr-tick">
          {relativeTimeLabel(t)}
        </text>
      ))}
      <g clipPath={`url(#${clipId})`}>
        {markers.markers.length === 0 ? null : (
          <LiveShift feed={feed} anchor={markers.anchor} pxPerMs={plotW / windowMs}>
            {markers.markers.map((m) => (
              // Still measuring (or never recovered): up to now, the plot's right edge, wherever the shift puts it.
              <rect key={`area-${m.key}`} x={mx(m.time)} y={TOP} width={Math.max(2, m.recoveryEnd === null ? plotW * 2 : mx(m.recoveryEnd) - mx(m.time))} height={plotH} className={`hr-recovery ${markerClass(m.kind)}`} />
            ))}
          </LiveShift>
        )}
        {lines.map((l, i) => (
          <LivePath key={l.key} feed={feed} pathOf={paths[i]!} className={`hr-svg-line ${l.className}`} fill="none" />
        ))}
      </g>
      {markers.markers.length === 0 ? null : (
        <LiveShift feed={feed} anchor={markers.anchor} pxPerMs={plotW / windowMs}>
          {markers.markers.map((m) => (
            <MarkerLine key={m.key} marker={m} x={mx(m.time)} top={TOP} bottom={TOP + plotH} text={m.recovery} />
          ))}
        </LiveShift>
      )}
    </svg>
  );
});
