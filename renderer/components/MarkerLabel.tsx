/**
 * The label of a reap marker on a chart. recharts clones it with the marker line's viewBox. It
 * carries data-testid="reap-marker" so an end-to-end test can find the marker on the chart.
 */

interface MarkerLabelProps {
  text: string;
  /** The tooltip, when it says more than the text (an event's one-line explanation). */
  title?: string;
  viewBox?: { x?: number; y?: number; width?: number; height?: number };
  /** Only the newest marker is labelled in words; older ones keep the text as a tooltip. */
  showText?: boolean;
  /** Put the text left of the line (markers near the right edge, where "now" is). */
  leftOfLine?: boolean;
}

/** An SVG label placed at the top of a vertical reference line. */
export function MarkerLabel({ text, title, viewBox, showText = true, leftOfLine = false }: MarkerLabelProps) {
  const x = viewBox?.x ?? 0;
  const y = viewBox?.y ?? 0;
  return (
    <g className="hr-marker" data-testid="reap-marker" aria-label={`Marker: ${title || text}`}>
      <title>{title || text}</title>
      {showText ? (
        <text x={leftOfLine ? x - 4 : x + 4} y={y + 12} textAnchor={leftOfLine ? 'end' : 'start'} className="hr-marker-text">
          {text}
        </text>
      ) : null}
    </g>
  );
}
