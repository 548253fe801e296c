/**
 * The live region announcing what the last reap (or other action) did. It is always in the DOM so
 * screen readers register it before the first message arrives; the dismiss button sits outside it
 * so it is not read out with every message.
 */
import type { ReapOutcome } from '../format/reap-result';

export type Outcome = ReapOutcome | { tone: 'pending'; text: string; notes: string[] };

/** role="status", aria-live="polite", plus a dismiss button once there is a result. */
export function ResultRegion({ outcome, onDismiss }: { outcome: Outcome | null; onDismiss(): void }) {
  return (
    <div className={`hr-result${outcome ? ` hr-result-${outcome.tone}` : ''}`}>
      <div role="status" aria-live="polite" aria-atomic="true">
        {outcome ? (
          <>
            <p className="hr-result-text">{outcome.text}</p>
            {outcome.notes.map((n) => (
              <p key={n} className="hr-result-note">
                {n}
              </p>
            ))}
          </>
        ) : null}
      </div>
      {outcome && outcome.tone !== 'pending' ? (
        <button type="button" className="hr-dismiss" aria-label="Dismiss message" onClick={onDismiss}>
          &times;
        </button>
      ) : null}
    </div>
  );
}
