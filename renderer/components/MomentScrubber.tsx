/**
 * Looking back at one moment: a slider over the charts' range (arrow keys move it a sample at a
 * time) that puts a cursor on the pressure chart and says what that moment looked like — memory
 * pressure, available memory, swap — and which events happened near it. Over long ranges a point
 * stands for a bucket of samples, and the figures are that bucket's worst moment (as drawn).
 * The slider's values are relative to the newest sample (−range … 0, 0 = now), so while it rests at
 * "now" its min, max and value stay the same from tick to tick and the browser has nothing to redo;
 * the moment chosen is stored as a time (ms since the epoch), as before.
 */
import { memo, useCallback, useRef } from 'react';
import type { ReapMarker } from '../../contract/history';
import { clockTime, eventLine, kindWords, markerKey } from '../format/events';
import { formatPct } from '../format/units';
import { firstIndexAtOrAfter, type ChartPoint } from '../state/series';

export interface MomentScrubberProps {
  series: readonly ChartPoint[];
  markers: readonly ReapMarker[];
  windowMs: number;
  intervalMs: number;
  /** The moment looked at (ms since the epoch), or null for "now". */
  moment: number | null;
  onMoment(t: number | null): void;
}

/** The point nearest to `t` (the series is sorted by time); undefined for an empty series. */
export function nearestPoint(series: readonly ChartPoint[], t: number): ChartPoint | undefined {
  const lo = firstIndexAtOrAfter(series, t);
  const after = series[lo];
  const before = series[lo - 1];
  if (!before) return after;
  if (!after) return before;
  return t - before.t <= after.t - t ? before : after;
}

/** How near an event must be to count as "near" the moment: 1 % of the range, at least two samples. */
export function nearWindowMs(windowMs: number, intervalMs: number): number {
  return Math.max(windowMs / 100, 2 * intervalMs);
}

const gib = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} GiB`;
const pct = (v: number | null) => (v === null ? '\u2014' : formatPct(v));

/**
 * The slider alone, memoised: at "now" its props are the same every tick (relative values), so a
 * tick does not even make React re-apply an input's properties.
 */
const ScrubSlider = memo(function ScrubSlider({ windowMs, step, value, valueText, onSlide }: { windowMs: number; step: number; value: number; valueText: string; onSlide(relative: number): void }) {
  return (
    <input
      id="hr-scrub-input"
      type="range"
      min={-windowMs}
      max={0}
      step={step}
      value={value}
      aria-valuetext={valueText}
      onChange={(e) => onSlide(Number(e.currentTarget.value))}
    />
  );
});

/** The slider, the moment's figures and the events near it. */
export const MomentScrubber = memo(function MomentScrubber({ series, markers, windowMs, intervalMs, moment, onMoment }: MomentScrubberProps) {
  const last = series[series.length - 1];
  const toRef = useRef(0);
  toRef.current = last?.t ?? 0;
  const onSlide = useCallback((relative: number) => onMoment(toRef.current + relative), [onMoment]);
  if (!last) return null;
  const to = last.t;
  const from = to - windowMs;
  const at = moment === null ? to : Math.min(to, Math.max(from, moment));
  const point = nearestPoint(series, at);
  const near = nearWindowMs(windowMs, intervalMs);
  const nearby = moment === null ? [] : markers.filter((m) => Math.abs(m.time - at) <= near);
  return (
    <section className="hr-scrub" aria-label="Look back">
      <div className="hr-scrub-row">
        <label htmlFor="hr-scrub-input">Look back</label>
        <ScrubSlider windowMs={windowMs} step={Math.max(1, intervalMs)} value={at - to} valueText={moment === null ? 'now' : clockTime(at)} onSlide={onSlide} />
        <button type="button" onClick={() => onMoment(null)} disabled={moment === null}>
          Back to now
        </button>
      </div>
      <p className="hr-scrub-readout" aria-live="polite" data-testid="moment">
        {point
          ? `${moment === null ? 'Now' : clockTime(point.t)}: memory pressure some ${pct(point.memSomePct)}, full ${pct(point.memFullPct)} per tick ` +
            `(avg10 ${pct(point.memSomeAvg10)} / ${pct(point.memFullAvg10)}) \u00B7 available ${gib(point.availableGiB)} \u00B7 swap ${gib(point.swapGiB)}`
          : ''}
      </p>
      {nearby.length > 0 ? (
        <ul className="hr-scrub-events" aria-label="Events near this moment">
          {nearby.map((m) => (
            <li key={markerKey(m)}>{`${clockTime(m.time)} ${kindWords(m.kind)}: ${eventLine(m)}`}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
});
