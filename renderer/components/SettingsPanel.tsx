/**
 * The settings dialog: edits the user's settings and saves the changed ones with setSettings.
 * Values are checked with the contract's schema before sending; what the server still rejects is
 * shown in plain words. The pressure guard's fields live in GuardSettings (their draft here, so one
 * Save sends one patch). Desktop notifications follow the guard's warning (one per episode), so
 * the old "notify after" hold is not offered any more: the guard's sustain period decides.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import { SettingsPatchSchema, type Settings, type SettingsPatch } from '../../contract/settings';
import { settingsIssueInWords, settingsServerErrorInWords } from '../format/settings-errors';
import { guardDraftOf, guardPatchOf } from '../state/guard-draft';
import { GuardSettings } from './GuardSettings';
import { useModal } from './useModal';

export interface SettingsPanelProps {
  settings: Settings;
  /** Save a patch; rejects with the server's error. */
  onSave(patch: SettingsPatch): Promise<void>;
  onClose(): void;
}

type NumberField = 'intervalMs' | 'historyMinutes' | 'endGraceMs';

const NUMBER_FIELDS: { key: NumberField; label: string; unit: string; step: number }[] = [
  { key: 'intervalMs', label: 'Sampling interval', unit: 'ms', step: 250 },
  { key: 'historyMinutes', label: 'History', unit: 'minutes', step: 1 },
  { key: 'endGraceMs', label: 'End grace period', unit: 'ms', step: 500 },
];

/** Split the session-critical text box (commas or new lines) into names. */
export function parseNameList(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s.length > 0))];
}

/** The settings dialog. */
export function SettingsPanel({ settings, onSave, onClose }: SettingsPanelProps) {
  const titleId = useId();
  const dialogRef = useRef<HTMLFormElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const onKeyDown = useModal(dialogRef, firstRef, onClose);
  const [numbers, setNumbers] = useState<Record<NumberField, string>>(() => {
    const init = {} as Record<NumberField, string>;
    for (const f of NUMBER_FIELDS) init[f.key] = String(settings[f.key]);
    return init;
  });
  const [notifications, setNotifications] = useState(settings.notifications);
  const [critical, setCritical] = useState(settings.sessionCritical.join('\n'));
  const [guardDraft, setGuardDraft] = useState(() => guardDraftOf(settings));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    for (const f of NUMBER_FIELDS) {
      const raw = numbers[f.key].trim();
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        setError(`${f.label}: enter a number.`);
        return;
      }
      if (value !== settings[f.key]) patch[f.key] = value;
    }
    if (notifications !== settings.notifications) patch.notifications = notifications;
    const names = parseNameList(critical);
    if (names.join('\n') !== settings.sessionCritical.join('\n')) patch.sessionCritical = names;
    const guard = guardPatchOf(guardDraft, settings);
    if ('error' in guard) {
      setError(guard.error);
      return;
    }
    Object.assign(patch, guard.patch);
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      setError(settingsIssueInWords(parsed.error.issues[0]!));
      return;
    }
    if (Object.keys(parsed.data).length === 0) {
      onClose();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(parsed.data);
      onClose();
    } catch (err) {
      setError(settingsServerErrorInWords(err instanceof Error ? err.message : String(err)));
      setSaving(false);
    }
  };

  return (
    <div className="hr-backdrop">
      <form
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="hr-dialog hr-settings"
        onKeyDown={onKeyDown}
        onSubmit={submit}
        noValidate
      >
        <h2 id={titleId}>Settings</h2>
        <div className="hr-settings-grid">
          {NUMBER_FIELDS.map((f, i) => (
            <label key={f.key}>
              <span>{`${f.label} (${f.unit})`}</span>
              <input
                ref={i === 0 ? firstRef : undefined}
                type="number"
                inputMode="decimal"
                step={f.step}
                value={numbers[f.key]}
                onChange={(e) => setNumbers((prev) => ({ ...prev, [f.key]: e.target.value }))}
              />
            </label>
          ))}
          <label className="hr-check">
            <input type="checkbox" checked={notifications} onChange={(e) => setNotifications(e.target.checked)} />
            <span>Notify me when the guard warns or auto-reaps</span>
          </label>
          <label className="hr-wide">
            <span>Session-critical processes (one per line or comma separated)</span>
            <textarea rows={5} value={critical} onChange={(e) => setCritical(e.target.value)} />
          </label>
          <GuardSettings draft={guardDraft} onChange={setGuardDraft} />
        </div>
        {error ? (
          <p className="hr-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="hr-dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={saving}>
            {saving ? 'Saving\u2026' : 'Save'}
          </button>
        </div>
      </form>
    </div>
  );
}
