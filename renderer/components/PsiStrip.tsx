/**
 * The compact cpu/io PSI strip: two sparklines drawn as plain SVG paths (one string per line per
 * update, no chart library, written from the charts' feed without re-rendering — see
 * live-path.tsx), with the latest values in words beside them (re-rendered only when the words
 * change).
 */
import { memo, useMemo } from 'react';
import { formatPct } from '../format/units';
import type { ChartPoint, PlotData } from '../state/series';
import { gappedPath } from './gapped-path';
import { LivePath, type Feed } from './live-path';

export interface PsiStripProps {
  /** The points, published every tick. */
  feed: Feed<PlotData>;
  windowMs: number;
  width: number;
  height?: number;
  /** The scale's top in % (psiStripScale). */
  max: number;
  /** The newest values in words ("cpu some 1.2 %"). */
  cpuText: string;
  ioText: string;
}

type Key = 'cpuSomePct' | 'ioSomePct';

/** An SVG path through the non-null values; gaps start a new segment. */
export function sparklinePath(data: PlotData, key: Key, windowMs: number, width: number, height: number, max: number): string {
  const to = data.to;
  return gappedPath(
    data.points,
    (p) => p[key],
    (p) => ((p.t - to + windowMs) / windowMs) * width,
    (v) => height - (Math.min(v, max) / max) * (height - 2) - 1,
    data.maxGapMs,
  );
}

/** The strip's scale: the highest cpu/io value rounded up to 10 %, at least 10 %, at most 100 %. */
export function psiStripScale(data: readonly ChartPoint[]): number {
  let max = 10;
  for (const p of data) {
    if (p.cpuSomePct !== null && p.cpuSomePct > max) max = p.cpuSomePct;
    if (p.ioSomePct !== null && p.ioSomePct > max) max = p.ioSomePct;
  }
  return Math.min(100, Math.ceil(max / 10) * 10);
}

/** The newest cpu and io values in words. */
export function psiStripWords(data: readonly ChartPoint[]): { cpuText: string; ioText: string } {
  const last = data[data.length - 1];
  return {
    cpuText: `cpu some ${last?.cpuSomePct == null ? '\u2014' : formatPct(last.cpuSomePct)}`,
    ioText: `io some ${last?.ioSomePct == null ? '\u2014' : formatPct(last.ioSomePct)}`,
  };
}

/** The strip under the pressure chart. */
export const PsiStrip = memo(function PsiStrip({ feed, windowMs, width, height = 36, max, cpuText, ioText }: PsiStripProps) {
  const plotWidth = Math.max(40, width - 44 - 12);
  const paths = useMemo(
    () => ({
      cpu: (data: PlotData) => sparklinePath(data, 'cpuSomePct', windowMs, plotWidth, height, max),
      io: (data: PlotData) => sparklinePath(data, 'ioSomePct', windowMs, plotWidth, height, max),
    }),
    [windowMs, plotWidth, height, max],
  );
  return (
    <div className="hr-strip">
      <div className="hr-strip-values">
        <span>
          <span className="hr-swatch hr-sw-cpu" aria-hidden="true" />
          {cpuText}
        </span>
        <span>
          <span className="hr-swatch hr-sw-io" aria-hidden="true" />
          {ioText}
        </span>
        <span className="hr-strip-scale">{`scale 0\u2013${max}%`}</span>
      </div>
      <svg className="hr-strip-svg" width={plotWidth} height={height} role="img" aria-label="cpu and io pressure, per tick">
        <line x1={0} x2={plotWidth} y1={height - 0.5} y2={height - 0.5} className="hr-strip-base" />
        <LivePath feed={feed} pathOf={paths.cpu} className="hr-strip-cpu" fill="none" />
        <LivePath feed={feed} pathOf={paths.io} className="hr-strip-io" fill="none" />
      </svg>
    </div>
  );
});
