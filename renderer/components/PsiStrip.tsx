/**
 * The compact cpu/io PSI strip: two sparklines on a canvas (traced per update, no chart library, drawn from the charts' feed without re-rendering — see live-canvas.tsx), with
 * the latest values in words beside them (re-rendered only when the words change).
 */
import { memo, useMemo } from 'react';
import { formatPct } from '../format/units';
import type { ChartPoint } from '../state/series';
import { traceGapped, type Pen } from './gapped-path';
import { LiveCanvas, type CanvasLine } from './live-canvas';
import type { Feed } from './live-path';

type StripPoints = readonly (ChartPoint & { x: number })[];

export interface PsiStripProps {
  /** The points, published every tick. */
  feed: Feed<StripPoints>;
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

/** Trace a sparkline through the non-null values; gaps start a new segment. */
export function traceSparkline(data: StripPoints, key: Key, windowMs: number, width: number, height: number, max: number, pen: Pen): void {
  traceGapped(
    data,
    (p) => p[key],
    (p) => ((p.x + windowMs) / windowMs) * width,
    (v) => height - (Math.min(v, max) / max) * (height - 2) - 1,
    pen,
  );
}

/** The strip's scale: the highest cpu/io value rounded up to 10 %, at least 10 %, at most 100 %. */
export function psiStripScale(data: StripPoints): number {
  let max = 10;
  for (const p of data) {
    if (p.cpuSomePct !== null && p.cpuSomePct > max) max = p.cpuSomePct;
    if (p.ioSomePct !== null && p.ioSomePct > max) max = p.ioSomePct;
  }
  return Math.min(100, Math.ceil(max / 10) * 10);
}

/** The newest cpu and io values in words. */
export function psiStripWords(data: StripPoints): { cpuText: string; ioText: string } {
  const last = data[data.length - 1];
  return {
    cpuText: `cpu some ${last?.cpuSomePct == null ? '\u2014' : formatPct(last.cpuSomePct)}`,
    ioText: `io some ${last?.ioSomePct == null ? '\u2014' : formatPct(last.ioSomePct)}`,
  };
}

/** The strip under the pressure chart. */
export const PsiStrip = memo(function PsiStrip({ feed, windowMs, width, height = 36, max, cpuText, ioText }: PsiStripProps) {
  const plotWidth = Math.max(40, width - 44 - 12);
  const lines = useMemo<CanvasLine<StripPoints>[]>(() => {
    const base = (_: StripPoints, pen: Pen) => {
      pen.moveTo(0, height - 0.5);
      pen.lineTo(plotWidth, height - 0.5);
    };
    return [
      { color: '--border', width: 1, trace: base },
      { color: '--cpu', width: 1.2, trace: (data, pen) => traceSparkline(data, 'cpuSomePct', windowMs, plotWidth, height, max, pen) },
      { color: '--io', width: 1.2, trace: (data, pen) => traceSparkline(data, 'ioSomePct', windowMs, plotWidth, height, max, pen) },
    ];
  }, [windowMs, plotWidth, height, max]);
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
      <div className="hr-strip-plot" style={{ width: plotWidth, height }} role="img" aria-label="cpu and io pressure, per tick">
        <LiveCanvas feed={feed} width={plotWidth} height={height} lines={lines} />
      </div>
    </div>
  );
});
