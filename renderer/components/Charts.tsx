/**
 * The pressure graphs: memory PSI (some/full, per tick and avg10) with the guard's warn and act
 * levels as labelled dashed lines (what it compares each tick's some/full with) and reap
 * markers (a recharts chart whose axes, reference lines and layout only change with the window,
 * the scale or the markers — the relative time axis never moves — with the four lines drawn in its
 * plot area from a context, see PressureLines), a compact cpu/io PSI strip and the memory chart
 * (available/used/swap/zram, the recovery after a reap highlighted) as plain SVG. About one point
 * per 3 pixels, in clock-aligned buckets that keep each bucket's worst moment. Each tick's points go
 * to a feed that the lines draw from (live-path.tsx): a tick re-renders no chart, only the scales
 * (tops), the words and the markers re-render the parts they belong to, when they change.
 */
import { createContext, memo, useContext, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { DefaultZIndexes, LineChart, ReferenceLine, XAxis, YAxis, ZIndexLayer, usePlotArea } from 'recharts';
import type { BaseTickContentProps } from 'recharts/types/util/types';
import type { ReapMarker } from '../../contract/history';
import { latestFreeingMarker } from '../format/marker-kind';
import { markerLabel, recoveryText } from '../format/units';
import { bucketMsFor, downsampleByTime, maxGapMsFor, sliceFrom, type ChartPoint, type PlotData } from '../state/series';
import { PressureMarkers, useMarkerFrame, type MarkerFrame } from './chart-markers';
import { gappedPath } from './gapped-path';
import { createFeed, LivePath, type Feed } from './live-path';
import { PsiStrip, psiStripScale, psiStripWords } from './PsiStrip';
import { highestValue, niceMax, SvgTimeChart, type NumericKey, type SvgLine } from './SvgTimeChart';
import { relativeTimeLabel, timeTicks } from './time-axis';
import { useElementSize } from './useElementSize';

export const WINDOW_CHOICES = [
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 600_000, label: '10 min' },
] as const;

const Y_AXIS_WIDTH = 44;
const FALLBACK_SIZE = { width: 800, height: 0 };
const SIDE_BY_SIDE_MIN_WIDTH = 1000;
const COLUMN_GAP = 16;
// 14 px above the plot: a level line at the top of the scale keeps its words in view.
const MARGIN = { top: 14, right: 12, bottom: 0, left: 0 };

export interface ChartsProps {
  series: readonly ChartPoint[];
  markers: readonly ReapMarker[];
  windowMs: number;
  onWindowChange(ms: number): void;
  /** The guard's warn level (% some per tick): a dashed line. */
  warnSomePct: number;
  /** The guard's act level (% full per tick): a dashed line. */
  actFullPct: number;
  /** Whether the guard reaps at the act level by itself (the line says "auto-reap" or "would reap"). */
  autoReap: boolean;
  /** False when the kernel has no PSI: the pressure lines are replaced by a notice. */
  psiAvailable: boolean;
  intervalMs: number;
  /** Replaces the built-in window buttons (the range selector with the recorder's longer ranges). */
  windowControl?: ReactNode;
  /** A moment picked to look back at (ms since the epoch): a cursor line on the pressure chart. */
  cursorTime?: number | null;
}

interface PlotProps {
  /** The points, published every tick. */
  feed: Feed<PlotData>;
  windowMs: number;
  width: number;
  /** The markers and the cursor, placed once and shifted with the feed. */
  markers: MarkerFrame;
}

/**
 * Axis labels as plain SVG text: recharts' default <Text> measures every word on every render to
 * wrap lines, which an axis of short numbers never needs.
 */
function plainTick(format: (v: number) => string, dy: number) {
  return function PlainTick(props: BaseTickContentProps) {
    const value = typeof props.payload.value === 'number' ? props.payload.value : Number(props.payload.value);
    return (
      <text x={props.x} y={props.y} dy={dy} textAnchor={props.textAnchor} className="hr-tick">
        {format(value)}
      </text>
    );
  };
}
const timeTick = plainTick(relativeTimeLabel, 12);
const pctAxisTick = plainTick((v) => `${v}%`, 4);

/** Axis props per window choice, created once so recharts never sees them change. */
const AXES = new Map<number, { domain: [number, number]; ticks: number[] }>(WINDOW_CHOICES.map((c) => [c.ms, { domain: [-c.ms, 0] as [number, number], ticks: timeTicks(c.ms) }]));
function axisFor(windowMs: number) {
  return AXES.get(windowMs) ?? { domain: [-windowMs, 0] as [number, number], ticks: timeTicks(windowMs) };
}

/*
 * recharts 3 keeps its state in a store, and a new `data` prop costs a lot per tick: the chart
 * dispatches the old data away and the new data in (each re-running every selector of every axis,
 * reference line and line), Immer deep-freezes it, and every <Line> rebuilds its points — about
 * 8 ms of main thread here, more than the whole update's budget. So the recharts chart gets no
 * per-tick data at all: it draws the frame (axes, threshold and marker reference lines, layout)
 * from props that only change with the window, the scale's top or the markers, and the four
 * pressure lines are drawn inside it by PressureLines from recharts' own plot area
 * (usePlotArea), fed through a context so a tick re-renders only that one component.
 */

interface PressureLayer {
  feed: Feed<PlotData>;
  windowMs: number;
  /** The value axis' top, in %. */
  top: number;
}
const PressureLayerContext = createContext<PressureLayer | null>(null);

type PressureKey = 'memSomePct' | 'memFullPct' | 'memSomeAvg10' | 'memFullAvg10';
const PRESSURE_SERIES: readonly { key: PressureKey; className: string; stroke: string; strokeWidth: number }[] = [
  { key: 'memSomePct', className: 'hr-line-some', stroke: '#d08700', strokeWidth: 1 },
  { key: 'memFullPct', className: 'hr-line-full', stroke: '#d03030', strokeWidth: 1 },
  { key: 'memSomeAvg10', className: 'hr-line-some-avg', stroke: '#d08700', strokeWidth: 2 },
  { key: 'memFullAvg10', className: 'hr-line-full-avg', stroke: '#d03030', strokeWidth: 2 },
];

/** The path through one pressure series' known values; a missing value (null) breaks the line, as recharts does. */
export function pressurePath(data: PlotData, key: PressureKey, xOf: (x: number) => number, yOf: (v: number) => number): string {
  const to = data.to;
  return gappedPath(data.points, (p) => p[key], (p) => xOf(p.t - to), yOf, data.maxGapMs);
}

/** The top of the pressure axis: the highest value or threshold, rounded up to 5 %, at least 5 %. */
export function pressureTop(data: readonly ChartPoint[], thresholds: readonly number[]): number {
  let max = 0;
  for (const t of thresholds) if (t > max) max = t;
  for (const p of data) {
    for (const s of PRESSURE_SERIES) {
      const v = p[s.key];
      if (v !== null && v > max) max = v;
    }
  }
  return Math.max(5, Math.ceil(max / 5) * 5);
}

/** The four pressure lines, inside the recharts chart, in its plot area (same DOM classes as a recharts <Line>). */
function PressureLines() {
  const layer = useContext(PressureLayerContext);
  const area = usePlotArea();
  const [ax, ay, aw, ah] = area ? [area.x, area.y, area.width, area.height] : [0, 0, 0, 0];
  const windowMs = layer?.windowMs ?? 1;
  const top = layer?.top ?? 1;
  // One drawing function per line, the same while the plot area, window and scale are (a new one redraws).
  const paths = useMemo(() => {
    const xOf = (x: number) => ax + ((x + windowMs) / windowMs) * aw;
    const yOf = (v: number) => ay + ah - (Math.min(v, top) / top) * ah;
    return PRESSURE_SERIES.map((s) => (data: PlotData) => pressurePath(data, s.key, xOf, yOf));
  }, [ax, ay, aw, ah, windowMs, top]);
  if (!layer || !area) return null;
  // In recharts' line layer, where a <Line> would be: above the reference lines, under the labels.
  return (
    <ZIndexLayer zIndex={DefaultZIndexes.line}>
      <g className="recharts-layer hr-pressure-lines">
        {PRESSURE_SERIES.map((s, i) => (
          <g key={s.key} className={`recharts-layer recharts-line ${s.className}`}>
            <LivePath feed={layer.feed} pathOf={paths[i]!} className="recharts-curve recharts-line-curve" stroke={s.stroke} strokeWidth={s.strokeWidth} fill="none" />
          </g>
        ))}
      </g>
    </ZIndexLayer>
  );
}
const PRESSURE_LINES = <PressureLines key="lines" />;

/**
 * A level line's words, at its left end just above it (the newest data is at the right): plain SVG
 * text, as the axis labels, rather than recharts' measuring <Text>.
 */
function levelLabel(words: string) {
  return function LevelLabel(props: { viewBox?: { x?: number; y?: number } }) {
    const { x = 0, y = 0 } = props.viewBox ?? {};
    return (
      <text x={x + 4} y={y - 3} className="hr-level-label">
        {words}
      </text>
    );
  };
}

/**
 * The data recharts itself sees: the window's two ends, one array per window choice, so its axes
 * have a domain and a reference line is placed as before, and nothing changes from tick to tick.
 */
const FRAME_DATA = new Map<number, readonly { x: number }[]>();
function frameDataFor(windowMs: number): { x: number }[] {
  let d = FRAME_DATA.get(windowMs);
  if (!d) FRAME_DATA.set(windowMs, (d = Object.freeze([Object.freeze({ x: -windowMs }), Object.freeze({ x: 0 })])));
  return d as { x: number }[];
}

const PressurePlot = memo(function PressurePlot({
  feed,
  top,
  windowMs,
  width,
  markers,
  warnSomePct,
  actFullPct,
  autoReap,
}: PlotProps & { top: number; warnSomePct: number; actFullPct: number; autoReap: boolean }) {
  const frame = useMemo(() => {
    const axis = axisFor(windowMs);
    return [
      <XAxis key="x" dataKey="x" type="number" domain={axis.domain} allowDataOverflow ticks={axis.ticks} tick={timeTick} />,
      <YAxis key="y" type="number" width={Y_AXIS_WIDTH} domain={[0, top]} allowDataOverflow tick={pctAxisTick} allowDecimals={false} />,
    ];
  }, [windowMs, top]);
  const thresholds = useMemo(
    () => [
      <ReferenceLine key="some" y={warnSomePct} className="hr-threshold hr-threshold-some" strokeDasharray="6 4" label={levelLabel(`warn \u2265 ${warnSomePct} %`)} />,
      <ReferenceLine key="full" y={actFullPct} className="hr-threshold hr-threshold-full" strokeDasharray="6 4" label={levelLabel(`${autoReap ? 'auto-reap' : 'would reap'} \u2265 ${actFullPct} %`)} />,
    ],
    [warnSomePct, actFullPct, autoReap],
  );
  const markerLayer = useMemo(() => <PressureMarkers key="markers" frame={markers} feed={feed} windowMs={windowMs} />, [markers, feed, windowMs]);
  // The same element while only the data changes: React skips the whole recharts tree.
  const chart = useMemo(
    () => (
      <LineChart width={width} height={170} data={frameDataFor(windowMs)} margin={MARGIN} className="hr-chart">
        {frame}
        {thresholds}
        {PRESSURE_LINES}
        {markerLayer}
      </LineChart>
    ),
    [width, windowMs, frame, thresholds, markerLayer],
  );
  const layer = useMemo(() => ({ feed, windowMs, top }), [feed, windowMs, top]);
  return <PressureLayerContext.Provider value={layer}>{chart}</PressureLayerContext.Provider>;
});

const MEMORY_LINES: SvgLine[] = [
  { key: 'availableGiB', className: 'hr-line-available' },
  { key: 'usedGiB', className: 'hr-line-used' },
  { key: 'swapGiB', className: 'hr-line-swap' },
];
const MEMORY_LINES_ZRAM: SvgLine[] = [...MEMORY_LINES, { key: 'zramGiB', className: 'hr-line-zram' }];
const MEMORY_KEYS: readonly NumericKey[] = MEMORY_LINES_ZRAM.map((l) => l.key);
const gibValue = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1));

// Memoised with constant items: a tick re-renders Charts, never its legends.
const Legend = memo(function Legend({ items }: { items: readonly { label: string; className: string }[] }) {
  return (
    <ul className="hr-legend">
      {items.map((i) => (
        <li key={i.className}>
          <span className={`hr-swatch ${i.className}`} aria-hidden="true" />
          {i.label}
        </li>
      ))}
    </ul>
  );
});

const PRESSURE_LEGEND = [
  { label: 'some, per tick', className: 'hr-sw-some' },
  { label: 'full, per tick', className: 'hr-sw-full' },
  { label: 'some avg10', className: 'hr-sw-some-avg' },
  { label: 'full avg10', className: 'hr-sw-full-avg' },
];
const MEMORY_LEGEND = [
  { label: 'available', className: 'hr-sw-available' },
  { label: 'used', className: 'hr-sw-used' },
  { label: 'swap', className: 'hr-sw-swap' },
];
const MEMORY_LEGEND_ZRAM = [...MEMORY_LEGEND, { label: 'zram', className: 'hr-sw-zram' }];
// The same elements every render, so React skips them.
const PRESSURE_HEADING = <h2>Memory pressure</h2>;
const MEMORY_HEADING = <h2 className="hr-subhead">Memory (GiB)</h2>;

/** All graphs, with the window selector. */
export const Charts = memo(function Charts(props: ChartsProps) {
  const { series, markers, windowMs, onWindowChange, warnSomePct, actFullPct, autoReap, psiAvailable, intervalMs, windowControl, cursorTime } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(boxRef, FALLBACK_SIZE);
  // Wide windows put pressure and memory side by side, leaving the height to the table.
  const sideBySide = width >= SIDE_BY_SIDE_MIN_WIDTH;
  const plotWidth = Math.max(120, sideBySide ? Math.floor((width - COLUMN_GAP) / 2) : width);
  const last = series[series.length - 1];
  const to = last?.t ?? 0;

  const data = useMemo<PlotData>(() => {
    const bucketMs = bucketMsFor(windowMs, plotWidth - Y_AXIS_WIDTH, intervalMs);
    return { points: downsampleByTime(sliceFrom(series, to - windowMs), bucketMs), to, maxGapMs: maxGapMsFor(bucketMs) };
  }, [series, to, windowMs, plotWidth, intervalMs]);
  const points = data.points;
  // The lines draw each tick's points from the feed; what is rendered below changes only with the
  // scales, the words and the markers.
  const [feed] = useState(() => createFeed<PlotData>());
  useLayoutEffect(() => feed.set(data), [feed, data]);
  const top = pressureTop(points, [warnSomePct, actFullPct]);
  const memoryTop = niceMax(highestValue(points, MEMORY_KEYS));
  const stripMax = psiStripScale(points);
  const { cpuText, ioText } = psiStripWords(points);

  // Placed once and shifted with the feed: a tick re-renders no marker (chart-markers.tsx).
  const markerFrame = useMarkerFrame(markers, to, windowMs, intervalMs, cursorTime);
  const hasZram = useMemo(() => points.some((p) => p.zramGiB > 0), [points]);
  const latestMarker = latestFreeingMarker(markers);

  return (
    <section className="hr-charts" aria-label="Pressure and memory graphs">
      <div className="hr-charts-head">
        {PRESSURE_HEADING}
        {latestMarker ? (
          <p className="hr-last-reap" data-testid="last-reap">
            {`Last reap: ${markerLabel(latestMarker.label, latestMarker.freedBytes)} \u00B7 ${recoveryText(latestMarker.recoveredMs)}`}
          </p>
        ) : null}
        {windowControl ?? (
          <div role="group" aria-label="Time window" className="hr-window">
            {WINDOW_CHOICES.map((c) => (
              <button key={c.ms} type="button" aria-pressed={windowMs === c.ms} onClick={() => onWindowChange(c.ms)}>
                {c.label}
              </button>
            ))}
          </div>
        )}
      </div>
      <div ref={boxRef} className={sideBySide ? 'hr-chart-box hr-side-by-side' : 'hr-chart-box'}>
        {last === undefined ? (
          <p className="hr-placeholder">Waiting for the first sample&hellip;</p>
        ) : (
          <>
            <div className="hr-chart-column">
              {psiAvailable ? (
                <>
                  <Legend items={PRESSURE_LEGEND} />
                  <PressurePlot feed={feed} top={top} windowMs={windowMs} width={plotWidth} markers={markerFrame} warnSomePct={warnSomePct} actFullPct={actFullPct} autoReap={autoReap} />
                  <PsiStrip feed={feed} windowMs={windowMs} width={plotWidth} max={stripMax} cpuText={cpuText} ioText={ioText} />
                </>
              ) : (
                <p className="hr-placeholder hr-no-psi">PSI not available on this kernel</p>
              )}
            </div>
            <div className="hr-chart-column">
              {MEMORY_HEADING}
              <Legend items={hasZram ? MEMORY_LEGEND_ZRAM : MEMORY_LEGEND} />
              <SvgTimeChart
                feed={feed}
                top={memoryTop}
                lines={hasZram ? MEMORY_LINES_ZRAM : MEMORY_LINES}
                windowMs={windowMs}
                width={plotWidth}
                height={sideBySide ? 170 : 130}
                markers={markerFrame}
                formatValue={gibValue}
                label="Memory in GiB: available, used, swap"
              />
            </div>
          </>
        )}
      </div>
    </section>
  );
});
