/**
 * Every recorded event in the charts' range as a list a screen reader can walk: time, kind and the
 * one-line explanation ("Kernel OOM killer ended python3 (PID 784, 160 MiB anon) in memory cgroup
 * …"). Newest first; choosing one moves the look-back cursor to that moment. The chart markers say
 * the same in their tooltips; this list is where the words can be read in full.
 */
import { memo } from 'react';
import type { ReapMarker } from '../../contract/history';
import { clockTime, eventLine, kindWords, markerKey } from '../format/events';

/** More than this many events in the range: the oldest are counted, not listed. */
const MAX_LISTED = 100;

export interface EventListProps {
  /** All markers; the list shows those in [from, to]. */
  markers: readonly ReapMarker[];
  from: number;
  to: number;
  /** Look back at this moment. */
  onSelect(time: number): void;
}

/** The events in the range, newest first. */
export const EventList = memo(function EventList({ markers, from, to, onSelect }: EventListProps) {
  // The range moves every tick; the list it selects rarely changes, and only then is it rendered.
  const inRange = markers.filter((m) => m.time >= from && m.time <= to).reverse();
  return <EventListView inRange={inRange} onSelect={onSelect} />;
});

function sameEvents(a: { inRange: readonly ReapMarker[]; onSelect: unknown }, b: { inRange: readonly ReapMarker[]; onSelect: unknown }): boolean {
  return a.onSelect === b.onSelect && a.inRange.length === b.inRange.length && a.inRange.every((m, i) => m === b.inRange[i]);
}

const EventListView = memo(function EventListView({ inRange, onSelect }: { inRange: readonly ReapMarker[]; onSelect(time: number): void }) {
  const listed = inRange.slice(0, MAX_LISTED);
  return (
    <section className="hr-events" aria-labelledby="hr-events-title">
      <h2 id="hr-events-title">{`Events in this range (${inRange.length})`}</h2>
      {inRange.length === 0 ? (
        <p className="hr-events-empty">No reaps, guard actions or kills recorded in this range.</p>
      ) : (
        <ol className="hr-events-list">
          {listed.map((m) => (
            <li key={markerKey(m)} className={`hr-event hr-event-${m.kind}`} data-testid="event">
              <button type="button" onClick={() => onSelect(m.time)} title="Look back at this moment">
                <time dateTime={new Date(m.time).toISOString()}>{clockTime(m.time)}</time>
                <span className="hr-event-kind">{kindWords(m.kind)}</span>
                <span className="hr-event-text">{eventLine(m)}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {inRange.length > listed.length ? <p className="hr-events-more">{`and ${inRange.length - listed.length} older events`}</p> : null}
    </section>
  );
}, sameEvents);
