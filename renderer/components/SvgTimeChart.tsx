/**
 * A small line chart: an SVG frame over a canvas, no chart library.
 * Used for the memory chart, which only needs lines, a time axis, a few value ticks and the reap
 * markers — recharts would cost several times more main-thread time per update for the same picture.
 * The points arrive through a feed (live-path.tsx) and the lines are drawn on a canvas under the
 * SVG (live-canvas.tsx): a tick redraws the canvas and touches no element; React renders the frame
 * (ticks, grid, markers) only when its props change.
 */
import { memo, useId, useMemo, useRef } from 'react';
import type { ChartPoint } from '../state/series';
import { traceGapped, type Pen } from './gapped-path';
import type { MarkerKind } from '../../contract/history';
import { markerClass } from '../format/marker-kind';
import { LiveCanvas, type CanvasLine } from './live-canvas';
import type { Feed } from './live-path';
import { MarkerLabel } from './MarkerLabel';
import { relativeTimeLabel, timeTicks } from './time-axis';

export type NumericKey = 'availableGiB' | 'usedGiB' | 'swapGiB' | 'zramGiB';

export interface SvgLine {
  key: NumericKey;
  /** The CSS custom property of its colour, e.g. '--available'. */
  color: string;
  width: number;
}

export interface SvgMarker {
  key: string;
  x: number;
  recoveryEndX: number;
  text: string;
  showText: boolean;
  leftOfLine: boolean;
  /** What the marker stands for (a reap by hand when absent) and its detail line. */
  kind?: MarkerKind;
  title?: string;
}

/** The points a chart draws: x = ms before the newest sample (≤ 0). */
export type TimePoints = readonly (ChartPoint & { x: number })[];

export interface SvgTimeChartProps {
  /** The points, published every tick. */
  feed: Feed<TimePoints>;
  /** The value axis' top (niceMax of the highest value); changes rarely. */
  top: number;
  lines: readonly SvgLine[];
  windowMs: number;
  width: number;
  height: number;
  markers: readonly SvgMarker[];
  formatValue(v: number): string;
  label: string;
  /** The newest values in words, for the chart's text alternative (refreshed at a low rate). */
  describe?(points: TimePoints): string;
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

/** Trace one line (memory values are never missing, so it never breaks). */
export function traceLine(data: TimePoints, key: NumericKey, xOf: (x: number) => number, yOf: (v: number) => number, pen: Pen): void {
  traceGapped(data, (p) => p[key], (p) => xOf(p.x), yOf, pen);
}

/** The highest value of `keys` in `data` (for niceMax). */
export function highestValue(data: TimePoints, keys: readonly NumericKey[]): number {
  let max = 0;
  for (const p of data) for (const k of keys) if (p[k] > max) max = p[k];
  return max;
}

/** The chart. */
export const SvgTimeChart = memo(function SvgTimeChart({ feed, top, lines, windowMs, width, height, markers, formatValue, label, describe }: SvgTimeChartProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  // useId's characters (« », :) are not all safe inside url(#…).
  const clipId = `hr-plot-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const plotW = Math.max(10, width - LEFT - RIGHT);
  const plotH = Math.max(10, height - TOP - BOTTOM);
  const xOf = (x: number) => LEFT + ((x + windowMs) / windowMs) * plotW;
  const yOf = (v: number) => TOP + plotH - (Math.min(v, top) / top) * plotH;
  const valueTicks = [0, top / 2, top];
  // One drawing function per line, the same while the frame is unchanged (a new one redraws).
  const canvasLines = useMemo<CanvasLine<TimePoints>[]>(() => {
    const x = (t: number) => LEFT + ((t + windowMs) / windowMs) * plotW;
    const y = (v: number) => TOP + plotH - (Math.min(v, top) / top) * plotH;
    return lines.map((l) => ({ color: l.color, width: l.width, trace: (data: TimePoints, pen: Pen) => traceLine(data, l.key, x, y, pen) }));
  }, [lines, windowMs, plotW, plotH, top]);
  const clip = useMemo(() => ({ x: LEFT, y: TOP, width: plotW, height: plotH }), [plotW, plotH]);
  const description = useMemo(() => (describe ? { target: svgRef, label, of: describe } : undefined), [describe, label]);
  return (
    <div className="hr-canvas-chart" style={{ width, height }}>
    <LiveCanvas feed={feed} width={width} height={height} lines={canvasLines} clip={clip} className="hr-chart-canvas" describe={description} />
    <svg ref={svgRef} width={width} height={height} className="hr-chart hr-svg-chart" role="img" aria-label={label}>
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
        {markers.map((m) => (
          <rect key={`area-${m.key}`} x={xOf(m.x)} y={TOP} width={Math.max(2, xOf(m.recoveryEndX) - xOf(m.x))} height={plotH} className={`hr-recovery ${markerClass(m.kind ?? 'reap')}`} />
        ))}
      </g>
      {markers.map((m) => (
        <g key={m.key} className={`hr-marker-line ${markerClass(m.kind ?? 'reap')}`}>
          <line x1={xOf(m.x)} x2={xOf(m.x)} y1={TOP} y2={TOP + plotH} />
          <MarkerLabel text={m.text} viewBox={{ x: xOf(m.x), y: TOP }} showText={m.showText} leftOfLine={m.leftOfLine} kind={m.kind} title={m.title} />
        </g>
      ))}
    </svg>
    </div>
  );
});
