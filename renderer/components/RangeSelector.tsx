/**
 * The time range of the charts: 1 min … 24 h. Ranges longer than the live series come from the
 * flight recorder (downsampled in main, each bucket's worst moment kept); without a recorder they
 * are disabled and say why, instead of showing a mostly empty chart.
 */
import { memo } from 'react';

/** The ranges offered; the first three fit in the live series with the default settings. */
export const RANGE_CHOICES = [
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 600_000, label: '10 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 6 * 3_600_000, label: '6 h' },
  { ms: 24 * 3_600_000, label: '24 h' },
] as const;

export interface RangeSelectorProps {
  rangeMs: number;
  onChange(ms: number): void;
  /** How far back the live series reaches, ms; longer ranges need the recorder. */
  liveSpanMs: number;
  recorderOn: boolean;
  /** A longer range is being read from the recorder. */
  loading?: boolean;
}

/** A group of toggle buttons, one per range. */
export const RangeSelector = memo(function RangeSelector({ rangeMs, onChange, liveSpanMs, recorderOn, loading = false }: RangeSelectorProps) {
  return (
    <div role="group" aria-label="Time window" className="hr-window" aria-busy={loading}>
      {RANGE_CHOICES.map((c) => {
        const needsRecorder = c.ms > liveSpanMs && !recorderOn;
        return (
          <button
            key={c.ms}
            type="button"
            aria-pressed={rangeMs === c.ms}
            disabled={needsRecorder}
            title={needsRecorder ? `${c.label} needs the flight recorder, which is not running: only the last ${Math.round(liveSpanMs / 60_000)} min are kept in memory.` : undefined}
            onClick={() => onChange(c.ms)}
          >
            {c.label}
          </button>
        );
      })}
    </div>
  );
});
