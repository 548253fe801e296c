/**
 * The compact cpu/io PSI strip: two sparklines drawn as plain SVG paths (one string per line per
 * update, no chart library), with the latest values in words beside them.
 */
import { memo } from 'react';
import { formatPct } from '../format/units';
import type { ChartPoint } from '../state/series';
import { gappedPath } from './gapped-path';

export interface PsiStripProps {
  data: readonly (ChartPoint & { x: number })[];
  windowMs: number;
  width: number;
  height?: number;
}

type Key = 'cpuSomePct' | 'ioSomePct';

/** An SVG path through the non-null values; gaps start a new segment. */
export function sparklinePath(data: PsiStripProps['data'], key: Key, windowMs: number, width: number, height: number, max: number): string {
  return gappedPath(
    data,
    (p) => p[key],
    (p) => ((p.x + windowMs) / windowMs) * width,
    (v) => height - (Math.min(v, max) / max) * (height - 2) - 1,
  );
}

/** The strip under the pressure chart. */
export const PsiStrip = memo(function PsiStrip({ data, windowMs, width, height = 36 }: PsiStripProps) {
  let max = 10;
  for (const p of data) {
    if (p.cpuSomePct !== null && p.cpuSomePct > max) max = p.cpuSomePct;
    if (p.ioSomePct !== null && p.ioSomePct > max) max = p.ioSomePct;
  }
  max = Math.min(100, Math.ceil(max / 10) * 10);
  const last = data[data.length - 1];
  const plotWidth = Math.max(40, width - 44 - 12);
  return (
    <div className="hr-strip">
      <div className="hr-strip-values">
        <span>
          <span className="hr-swatch hr-sw-cpu" aria-hidden="true" />
          {`cpu some ${last?.cpuSomePct == null ? '\u2014' : formatPct(last.cpuSomePct)}`}
        </span>
        <span>
          <span className="hr-swatch hr-sw-io" aria-hidden="true" />
          {`io some ${last?.ioSomePct == null ? '\u2014' : formatPct(last.ioSomePct)}`}
        </span>
        <span className="hr-strip-scale">{`scale 0\u2013${max}%`}</span>
      </div>
      <svg className="hr-strip-svg" width={plotWidth} height={height} role="img" aria-label="cpu and io pressure, per tick">
        <line x1={0} x2={plotWidth} y1={height - 0.5} y2={height - 0.5} className="hr-strip-base" />
        <path d={sparklinePath(data, 'cpuSomePct', windowMs, plotWidth, height, max)} className="hr-strip-cpu" fill="none" />
        <path d={sparklinePath(data, 'ioSomePct', windowMs, plotWidth, height, max)} className="hr-strip-io" fill="none" />
      </svg>
    </div>
  );
});
