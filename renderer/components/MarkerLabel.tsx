/**
 * The label of a chart marker. recharts clones it with the marker line's viewBox. A reap carries
 * data-testid="reap-marker" (other kinds "marker-<kind>") so an end-to-end test can find it; the
 * kind's words and the marker's detail (format/marker-kind.ts) make its accessible name and title.
 */
import type { MarkerKind } from '../../contract/history';
import { markerClass, markerKindInWords } from '../format/marker-kind';

interface MarkerLabelProps {
  text: string;
  viewBox?: { x?: number; y?: number; width?: number; height?: number };
  /** Only the newest marker is labelled in words; older ones keep the text as a tooltip. */
  showText?: boolean;
  /** Put the text left of the line (markers near the right edge, where "now" is). */
  leftOfLine?: boolean;
  /** What the marker stands for; a reap by hand when absent. */
  kind?: MarkerKind;
  /** The tooltip and accessible description (the marker's detail); the text when absent. */
  title?: string;
}

/** An SVG label placed at the top of a vertical reference line. */
export function MarkerLabel({ text, viewBox, showText = true, leftOfLine = false, kind = 'reap', title }: MarkerLabelProps) {
  const x = viewBox?.x ?? 0;
  const y = viewBox?.y ?? 0;
  const tooltip = title ?? text;
  return (
    <g
      className={`hr-marker ${markerClass(kind)}`}
      data-testid={kind === 'reap' ? 'reap-marker' : `marker-${kind}`}
      aria-label={`${markerKindInWords(kind)} marker: ${text || tooltip}`}
    >
      <title>{tooltip}</title>
      {showText && text ? (
        <text x={leftOfLine ? x - 4 : x + 4} y={y + 12} textAnchor={leftOfLine ? 'end' : 'start'} className="hr-marker-text">
          {text}
        </text>
      ) : null}
    </g>
  );
}
