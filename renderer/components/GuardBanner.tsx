/**
 * The guard's banner under the header. While the guard warns it is an alert (role="alert", read
 * out at once) naming the culprit and the reason in plain words, the pressure, and what auto-reap
 * did or would do; its Reap button opens the usual confirmation (the same ReapDialog as the apps
 * table, through the window's openReap), so nothing is killed from here. After an auto-reap it
 * quietly says what was ended and why. The words come from format/guard-words.ts.
 *
 * The culprit is looked up in the live snapshot by app id (falling back to its PIDs), so the
 * confirmation carries the (pid, start time) pairs the person sees; an app that is gone gets no
 * button, and main refuses a replaced process as CHANGED anyway.
 */
import { memo, useState } from 'react';
import { displayName } from '../../contract/display-name';
import type { Culprit, GuardState } from '../../contract/guard';
import type { ReapMode } from '../../contract/reap';
import type { Snapshot } from '../../contract/snapshot';
import { guardBannerWords } from '../format/guard-words';
import { appRowKey, type TableRow } from '../state/rows';

export interface GuardBannerProps {
  guard: GuardState | null;
  snapshot: Snapshot | null;
  /** The autoReap setting in force (what the person chose; the guard may still not act, see actingNote). */
  autoReap: boolean;
  /** Open the reap confirmation for this row (the window's openReap). */
  onReap(row: TableRow, mode: ReapMode): void;
}

/**
 * The culprit's app row in this snapshot, or null when it is no longer running. When its app id is
 * gone (its processes moved group), the app that now holds one of its processes — the same PID with
 * the same start time, where the guard gave them — counts, and only under the same name: a PID
 * reused by another program (even one of the same name) would open a confirmation for the wrong app.
 */
export function culpritRow(culprit: Culprit, snapshot: Snapshot | null): TableRow | null {
  if (snapshot === null) return null;
  const started = new Map(culprit.pids.map((pid, i) => [pid, culprit.startTimes[i]]));
  const same = (p: { pid: number; startTime: number }) => started.has(p.pid) && (started.get(p.pid) === undefined || started.get(p.pid) === p.startTime);
  const holder = () => snapshot.apps.find((a) => a.id === snapshot.processes.find(same)?.appId);
  const app = snapshot.apps.find((a) => a.id === culprit.appId) ?? [holder()].find((a) => a?.name === culprit.name);
  if (!app) return null;
  const processes = snapshot.processes.filter((p) => p.appId === app.id);
  return { kind: 'app', key: appRowKey(app), app, processes, expanded: false };
}

/** The banner; renders nothing while the guard is calm and has nothing to report. */
export const GuardBanner = memo(function GuardBanner({ guard, snapshot, autoReap, onReap }: GuardBannerProps) {
  const [dismissed, setDismissed] = useState<string | null>(null);
  const words = guardBannerWords(guard, autoReap);
  if (words === null || words.key === dismissed) return null;
  const row = words.culprit ? culpritRow(words.culprit, snapshot) : null;
  return (
    <section className={`hr-guard hr-guard-${words.kind}`} aria-label="Pressure guard">
      <div role={words.kind} className="hr-guard-text">
        <p className="hr-guard-headline">{words.headline}</p>
        {words.reason ? <p className="hr-guard-reason">{words.reason}</p> : null}
        {words.pressure ? <p className="hr-guard-pressure">{words.pressure}</p> : null}
        {words.action ? <p className="hr-guard-action">{words.action}</p> : null}
      </div>
      <div className="hr-guard-buttons">
        {words.culprit ? (
          row ? (
            <button type="button" className="hr-danger" onClick={() => onReap(row, 'kill')}>
              {`Reap ${displayName(words.culprit.name)}\u2026`}
            </button>
          ) : (
            <span className="hr-guard-gone">{`${displayName(words.culprit.name)} is no longer running`}</span>
          )
        ) : null}
        <button type="button" aria-label="Dismiss guard message" onClick={() => setDismissed(words.key)}>
          &times;
        </button>
      </div>
    </section>
  );
});
