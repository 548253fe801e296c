/**
 * The Guard section of the settings dialog: auto-reap on/off with a plain explanation of what it
 * would do, the warn and act levels, sustain and cooldown, and the avoid and prefer lists (one name
 * or cgroup glob per line). Controlled by the panel, which owns the draft and saves it in the same
 * patch as the other settings; state/guard-draft.ts turns the draft back into a patch.
 */
import { useId } from 'react';
import { GUARD_NUMBER_FIELDS, type GuardDraft } from '../state/guard-draft';

export interface GuardSettingsProps {
  draft: GuardDraft;
  onChange(draft: GuardDraft): void;
}

/** The Guard fieldset. */
export function GuardSettings({ draft, onChange }: GuardSettingsProps) {
  const explainId = useId();
  const set = (patch: Partial<GuardDraft>) => onChange({ ...draft, ...patch });
  return (
    <fieldset className="hr-guard-settings hr-wide">
      <legend>Pressure guard</legend>
      <p className="hr-hint">
        The guard warns when programs spend at least the warn level of their time waiting for memory (PSI &ldquo;some&rdquo;) for the
        sustain period, naming the app that causes it.
      </p>
      <label className="hr-check">
        <input type="checkbox" checked={draft.autoReap} aria-describedby={explainId} onChange={(e) => set({ autoReap: e.target.checked })} />
        <span>Reap the culprit automatically (auto-reap)</span>
      </label>
      <p id={explainId} className="hr-hint">
        Off by default. When on, and all programs stall on memory (PSI &ldquo;full&rdquo;) for at least the act level during the sustain
        period, Headroom ends the app causing it &mdash; the same reap as the Reap button. It never ends protected or session-critical
        processes or anything on the never list, ends other users&rsquo; apps only when the system helper is already running, and waits the
        cooldown before acting again. While it is off, the warning says what it would have reaped, so you can check its choice first.
      </p>
      <div className="hr-settings-grid">
        {GUARD_NUMBER_FIELDS.map((f) => (
          <label key={f.key}>
            <span>{`${f.label} (${f.unit})`}</span>
            <input type="number" inputMode="decimal" step={f.step} value={draft[f.key]} onChange={(e) => set({ [f.key]: e.target.value })} />
          </label>
        ))}
      </div>
      <label className="hr-wide">
        <span>Never auto-reap (one app name or cgroup glob per line; * matches anything, ? one character)</span>
        <textarea rows={3} value={draft.autoReapAvoid} placeholder="e.g. postgres or app-firefox-*.scope" onChange={(e) => set({ autoReapAvoid: e.target.value })} />
      </label>
      <label className="hr-wide">
        <span>Reap first when under pressure (one app name or cgroup glob per line)</span>
        <textarea rows={3} value={draft.autoReapPrefer} placeholder="e.g. chromium or app-slack-*.scope" onChange={(e) => set({ autoReapPrefer: e.target.value })} />
      </label>
    </fieldset>
  );
}
