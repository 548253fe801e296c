/**
 * The charts' history from the flight recorder. The live series (the snapshot events, at most
 * `historyMinutes` long) stays the source for the recent past; the recorder fills what is older:
 *
 * - on start, and whenever the range changes, one `getHistory({ sinceMs: range, maxPoints })` —
 *   main reads the store and downsamples it, keeping each bucket's worst moment — so the charts
 *   open already filled, across restarts of Headroom;
 * - for ranges longer than the live series (1 h … 24 h) the same query again every bucket's width
 *   (at least 5 s, at most a minute), so the far end keeps moving while the live points draw the
 *   near end between fetches.
 *
 * The two are joined at the first live point: recorded points older than it, then the live ones.
 * When the recorded part is out of view (the live series already covers the range) the live series
 * is returned as is, so a tick costs nothing more than it did without a recorder. Without a
 * recorder (status.recorder null or off) nothing is fetched and the live series is all there is.
 * A failed fetch keeps the last good points and says why (`error`).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { HeadroomClient } from '../../contract/api';
import type { ReapMarker } from '../../contract/history';
import type { RecorderStatus } from '../../contract/recorder';
import { mergeMarkers } from '../format/events';
import { chartPointOf, type ChartPoint } from './series';
import { measureAndForget } from './perf-measure';

/** Points asked of main per range: about one per pixel of a wide chart; Charts thins them further. */
export const RECORDED_MAX_POINTS = 1200;
const MIN_REFRESH_MS = 5_000;
const MAX_REFRESH_MS = 60_000;
/** The benchmark reads "hr:range": from asking for a range to React having committed it. */
const RANGE_MARK = 'hr:range:start';

export interface RecordedHistoryInput {
  client: HeadroomClient;
  /** status.recorder; undefined before the status arrived. */
  recorder: RecorderStatus | null | undefined;
  /** The range the charts show, ms. */
  rangeMs: number;
  /** How far back the live series reaches (historyMinutes), ms. */
  liveSpanMs: number;
  liveSeries: readonly ChartPoint[];
  liveMarkers: readonly ReapMarker[];
}

export interface RecordedHistory {
  series: readonly ChartPoint[];
  markers: readonly ReapMarker[];
  /** True while the recorder can be asked: ranges beyond the live series are then available. */
  recorderOn: boolean;
  /** A range is on its way. */
  loading: boolean;
  /** The last fetch failed, in plain words; null otherwise. */
  error: string | null;
}

/** True when the recorder exists and runs (recording, following, or failing to write but readable). */
export function recorderAvailable(recorder: RecorderStatus | null | undefined): boolean {
  return !!recorder && recorder.state !== 'off';
}

/** How often a long range is fetched again: one bucket's width, within 5 s … 1 min. */
export function refreshMsFor(rangeMs: number, maxPoints = RECORDED_MAX_POINTS): number {
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Math.ceil(rangeMs / maxPoints)));
}

/**
 * Recorded points older than the first live point, then the live series; the live series itself
 * when the recorder adds nothing inside the range.
 */
export function joinSeries(recorded: readonly ChartPoint[], live: readonly ChartPoint[], rangeMs: number): readonly ChartPoint[] {
  if (recorded.length === 0) return live;
  const firstLive = live.length > 0 ? live[0]!.t : Infinity;
  let end = 0;
  while (end < recorded.length && recorded[end]!.t < firstLive) end++;
  if (end === 0) return live;
  const newest = live.length > 0 ? live[live.length - 1]!.t : recorded[end - 1]!.t;
  // Everything recorded is older than the range: the live series alone fills the chart.
  if (recorded[end - 1]!.t < newest - rangeMs) return live;
  const out = recorded.slice(0, end);
  for (const p of live) out.push(p);
  return out;
}

/** The series and markers for the charts, filled from the recorder when there is one. */
export function useRecordedHistory({ client, recorder, rangeMs, liveSpanMs, liveSeries, liveMarkers }: RecordedHistoryInput): RecordedHistory {
  const on = recorderAvailable(recorder);
  const [recorded, setRecorded] = useState<{ points: readonly ChartPoint[]; markers: readonly ReapMarker[] }>(EMPTY);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const repeat = rangeMs > liveSpanMs;
  const measurePending = useRef(false);

  useEffect(() => {
    if (!on) {
      setRecorded(EMPTY);
      setError(null);
      setLoading(false);
      return;
    }
    let live = true;
    const fetchRange = async (first: boolean) => {
      if (first) {
        setLoading(true);
        performance.mark(RANGE_MARK);
      }
      try {
        const history = await client.call('getHistory', { sinceMs: rangeMs, maxPoints: RECORDED_MAX_POINTS });
        if (!live) return;
        setRecorded({ points: history.points.map(chartPointOf), markers: history.markers });
        if (first) measurePending.current = true;
        setError(null);
      } catch (e) {
        if (live) setError(`Could not read the recorded history: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        if (live && first) setLoading(false);
      }
    };
    void fetchRange(true);
    const timer = repeat ? setInterval(() => void fetchRange(false), refreshMsFor(rangeMs)) : null;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [client, on, rangeMs, repeat]);

  useEffect(() => {
    if (!measurePending.current) return;
    measurePending.current = false;
    measureAndForget('hr:range', RANGE_MARK, { points: recorded.points.length });
  }, [recorded]);

  const series = useMemo(() => joinSeries(recorded.points, liveSeries, rangeMs), [recorded.points, liveSeries, rangeMs]);
  const markers = useMemo(() => mergeMarkers(recorded.markers, liveMarkers), [recorded.markers, liveMarkers]);
  return { series, markers, recorderOn: on, loading, error };
}

const EMPTY = { points: [] as readonly ChartPoint[], markers: [] as readonly ReapMarker[] };
