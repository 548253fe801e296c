/**
 * The pressure graphs: memory PSI (some/full, per tick and avg10) with threshold lines and reap
 * markers, a compact cpu/io PSI strip, and memory (available/used/swap/zram) with the recovery
 * after a reap highlighted. recharts with animations and dots off, a numeric time axis, constant
 * dataKeys, and at most one point per pixel.
 */
import { memo, useCallback, useMemo, useRef } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ReapMarker } from '../../contract/history';
import { formatPct, markerLabel, recoveryText } from '../format/units';
import { downsample, sliceFrom, type ChartPoint } from '../state/series';
import { MarkerLabel } from './MarkerLabel';
import { relativeTimeLabel, timeTicks, type TimeWindow } from './time-axis';
import { useElementSize } from './useElementSize';

export const WINDOW_CHOICES = [
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 600_000, label: '10 min' },
] as const;

/** Never more than this many points per line, whatever the width. */
const MAX_POINTS = 600;
const Y_AXIS_WIDTH = 44;
const FALLBACK_SIZE = { width: 800, height: 0 };
const MARGIN = { top: 8, right: 12, bottom: 0, left: 0 };

export interface ChartsProps {
  series: readonly ChartPoint[];
  markers: readonly ReapMarker[];
  windowMs: number;
  onWindowChange(ms: number): void;
  someThresholdPct: number;
  fullThresholdPct: number;
  /** False when the kernel has no PSI: the pressure lines are replaced by a notice. */
  psiAvailable: boolean;
  intervalMs: number;
}

const pctTick = (v: number) => `${v}%`;
const gibTick = (v: number) => `${v.toFixed(v >= 10 ? 0 : 1)}`;
const pctTooltip = (v: unknown) => (typeof v === 'number' ? formatPct(v) : '\u2014');
const gibTooltip = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} GiB` : '\u2014');
const PCT_DOMAIN: [number, (max: number) => number] = [0, (max: number) => Math.max(5, Math.ceil(max / 5) * 5)];
const GIB_DOMAIN: [number, string] = [0, 'auto'];

interface PlotProps {
  data: readonly ChartPoint[];
  window: TimeWindow;
  ticks: number[];
  width: number;
  markers: readonly ReapMarker[];
  intervalMs: number;
}

const PressurePlot = memo(function PressurePlot({
  data,
  window: w,
  ticks,
  width,
  markers,
  someThresholdPct,
  fullThresholdPct,
}: PlotProps & { someThresholdPct: number; fullThresholdPct: number }) {
  const timeLabel = useCallback((t: number) => relativeTimeLabel(t, w.to), [w.to]);
  return (
    <LineChart width={width} height={200} data={data as ChartPoint[]} margin={MARGIN} className="hr-chart">
      <CartesianGrid strokeDasharray="2 4" vertical={false} />
      <XAxis dataKey="t" type="number" domain={[w.from, w.to]} allowDataOverflow ticks={ticks} tickFormatter={timeLabel} />
      <YAxis width={Y_AXIS_WIDTH} domain={PCT_DOMAIN} tickFormatter={pctTick} allowDecimals={false} />
      <Tooltip labelFormatter={timeLabel as (l: unknown) => string} formatter={pctTooltip} isAnimationActive={false} />
      <ReferenceLine y={someThresholdPct} className="hr-threshold hr-threshold-some" strokeDasharray="6 4" ifOverflow="extendDomain" />
      <ReferenceLine y={fullThresholdPct} className="hr-threshold hr-threshold-full" strokeDasharray="6 4" ifOverflow="extendDomain" />
      <Line name="some (tick)" dataKey="memSomePct" className="hr-line-some" stroke="#d08700" dot={false} isAnimationActive={false} strokeWidth={1} />
      <Line name="full (tick)" dataKey="memFullPct" className="hr-line-full" stroke="#d03030" dot={false} isAnimationActive={false} strokeWidth={1} />
      <Line name="some avg10" dataKey="memSomeAvg10" className="hr-line-some-avg" stroke="#d08700" dot={false} isAnimationActive={false} strokeWidth={2} strokeDasharray="4 2" />
      <Line name="full avg10" dataKey="memFullAvg10" className="hr-line-full-avg" stroke="#d03030" dot={false} isAnimationActive={false} strokeWidth={2} strokeDasharray="4 2" />
      {markers.map((m) => (
        <ReferenceLine
          key={`${m.time}-${m.label}`}
          x={m.time}
          className="hr-marker-line"
          label={<MarkerLabel text={markerLabel(m.label, m.freedBytes)} />}
        />
      ))}
    </LineChart>
  );
});

const PsiStripPlot = memo(function PsiStripPlot({ data, window: w, width }: PlotProps) {
  return (
    <LineChart width={width} height={64} data={data as ChartPoint[]} margin={MARGIN} className="hr-chart hr-strip">
      <XAxis dataKey="t" type="number" domain={[w.from, w.to]} allowDataOverflow hide />
      <YAxis width={Y_AXIS_WIDTH} domain={PCT_DOMAIN} tickFormatter={pctTick} tickCount={2} />
      <Line name="cpu some" dataKey="cpuSomePct" className="hr-line-cpu" stroke="#3a7bd5" dot={false} isAnimationActive={false} strokeWidth={1} />
      <Line name="io some" dataKey="ioSomePct" className="hr-line-io" stroke="#8e44ad" dot={false} isAnimationActive={false} strokeWidth={1} />
    </LineChart>
  );
});

const MemoryPlot = memo(function MemoryPlot({ data, window: w, ticks, width, markers, intervalMs, hasZram }: PlotProps & { hasZram: boolean }) {
  const timeLabel = useCallback((t: number) => relativeTimeLabel(t, w.to), [w.to]);
  return (
    <LineChart width={width} height={160} data={data as ChartPoint[]} margin={MARGIN} className="hr-chart">
      <CartesianGrid strokeDasharray="2 4" vertical={false} />
      <XAxis dataKey="t" type="number" domain={[w.from, w.to]} allowDataOverflow ticks={ticks} tickFormatter={timeLabel} />
      <YAxis width={Y_AXIS_WIDTH} domain={GIB_DOMAIN} tickFormatter={gibTick} />
      <Tooltip labelFormatter={timeLabel as (l: unknown) => string} formatter={gibTooltip} isAnimationActive={false} />
      {markers.map((m) => (
        <ReferenceArea
          key={`area-${m.time}-${m.label}`}
          x1={m.time}
          // Still measuring: highlight up to now. At least one tick wide so a fast recovery is visible.
          x2={Math.min(w.to, m.time + Math.max(m.recoveredMs ?? w.to - m.time, intervalMs))}
          className="hr-recovery"
          ifOverflow="hidden"
        />
      ))}
      {markers.map((m) => (
        <ReferenceLine key={`${m.time}-${m.label}`} x={m.time} className="hr-marker-line" label={<MarkerLabel text={recoveryText(m.recoveredMs)} />} />
      ))}
      <Line name="available" dataKey="availableGiB" className="hr-line-available" stroke="#2e9d5b" dot={false} isAnimationActive={false} strokeWidth={2} />
      <Line name="used" dataKey="usedGiB" className="hr-line-used" stroke="#5b6b7b" dot={false} isAnimationActive={false} strokeWidth={1} />
      <Line name="swap" dataKey="swapGiB" className="hr-line-swap" stroke="#b05fc0" dot={false} isAnimationActive={false} strokeWidth={1} />
      {hasZram ? <Line name="zram" dataKey="zramGiB" className="hr-line-zram" stroke="#c0862e" dot={false} isAnimationActive={false} strokeWidth={1} /> : null}
    </LineChart>
  );
});

function Legend({ items }: { items: { label: string; className: string }[] }) {
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
}

const PRESSURE_LEGEND = [
  { label: 'some, per tick', className: 'hr-sw-some' },
  { label: 'full, per tick', className: 'hr-sw-full' },
  { label: 'some avg10', className: 'hr-sw-some-avg' },
  { label: 'full avg10', className: 'hr-sw-full-avg' },
];
const STRIP_LEGEND = [
  { label: 'cpu some', className: 'hr-sw-cpu' },
  { label: 'io some', className: 'hr-sw-io' },
];

/** All graphs, with the window selector. */
export const Charts = memo(function Charts(props: ChartsProps) {
  const { series, markers, windowMs, onWindowChange, someThresholdPct, fullThresholdPct, psiAvailable, intervalMs } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(boxRef, FALLBACK_SIZE);
  const last = series[series.length - 1];
  const to = last?.t ?? 0;
  const w = useMemo<TimeWindow>(() => ({ from: to - windowMs, to }), [to, windowMs]);
  const ticks = useMemo(() => timeTicks(w), [w]);
  const plotWidth = Math.max(120, width);
  const data = useMemo(
    () => downsample(sliceFrom(series, w.from), Math.min(MAX_POINTS, Math.max(60, plotWidth - Y_AXIS_WIDTH))),
    [series, w.from, plotWidth],
  );
  const visibleMarkers = useMemo(() => markers.filter((m) => m.time >= w.from && m.time <= w.to + intervalMs), [markers, w, intervalMs]);
  const hasZram = useMemo(() => data.some((p) => p.zramGiB > 0), [data]);
  const latestMarker = markers.length > 0 ? markers[markers.length - 1] : undefined;

  const plot = { data, window: w, ticks, width: plotWidth, markers: visibleMarkers, intervalMs };
  return (
    <section className="hr-charts" aria-label="Pressure and memory graphs">
      <div className="hr-charts-head">
        <h2>Memory pressure</h2>
        <div role="group" aria-label="Time window" className="hr-window">
          {WINDOW_CHOICES.map((c) => (
            <button key={c.ms} type="button" aria-pressed={windowMs === c.ms} onClick={() => onWindowChange(c.ms)}>
              {c.label}
            </button>
          ))}
        </div>
      </div>
      {latestMarker ? (
        <p className="hr-last-reap" data-testid="last-reap">
          {`Last reap: ${markerLabel(latestMarker.label, latestMarker.freedBytes)} \u00B7 ${recoveryText(latestMarker.recoveredMs)}`}
        </p>
      ) : null}
      <div ref={boxRef} className="hr-chart-box">
        {last === undefined ? (
          <p className="hr-placeholder">Waiting for the first sample&hellip;</p>
        ) : (
          <>
            {psiAvailable ? (
              <>
                <Legend items={PRESSURE_LEGEND} />
                <PressurePlot {...plot} someThresholdPct={someThresholdPct} fullThresholdPct={fullThresholdPct} />
                <Legend items={STRIP_LEGEND} />
                <PsiStripPlot {...plot} />
              </>
            ) : (
              <p className="hr-placeholder hr-no-psi">PSI not available on this kernel</p>
            )}
            <h2 className="hr-subhead">Memory (GiB)</h2>
            <Legend
              items={[
                { label: 'available', className: 'hr-sw-available' },
                { label: 'used', className: 'hr-sw-used' },
                { label: 'swap', className: 'hr-sw-swap' },
                ...(hasZram ? [{ label: 'zram', className: 'hr-sw-zram' }] : []),
              ]}
            />
            <MemoryPlot {...plot} hasZram={hasZram} />
          </>
        )}
      </div>
    </section>
  );
});
