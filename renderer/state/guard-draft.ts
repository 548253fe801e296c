/**
 * The Guard section of the settings dialog as text the person edits, and its conversion back into
 * a settings patch. Checks happen in two steps: here what the schema cannot say in plain words
 * (not a number, a list line that can never match or would match everything), then the contract's
 * SettingsPatchSchema in the panel for ranges, with settings-errors.ts putting those in words.
 *
 * Avoid and prefer lists are one entry per line (not comma separated: a glob may contain commas).
 * An entry is an app or process name ("hrdrill") or a cgroup glob ("app-firefox-*.scope"): the
 * guard (main/guard/attribution.ts) knows `*` (any run of characters) and `?` (one character);
 * every other character, `[` included, stands for itself.
 */
import type { Settings, SettingsPatch } from '../../contract/settings';

/** The Guard section's fields as edited. */
export interface GuardDraft {
  autoReap: boolean;
  guardWarnSomePct: string;
  guardActFullPct: string;
  guardSustainSeconds: string;
  guardCooldownSeconds: string;
  autoReapAvoid: string;
  autoReapPrefer: string;
}

/** The numeric guard fields with the labels people see. */
export const GUARD_NUMBER_FIELDS = [
  { key: 'guardWarnSomePct', label: 'Warn level', unit: '% some', step: 1 },
  { key: 'guardActFullPct', label: 'Act level', unit: '% full', step: 1 },
  { key: 'guardSustainSeconds', label: 'Sustain', unit: 's', step: 1 },
  { key: 'guardCooldownSeconds', label: 'Cooldown', unit: 's', step: 5 },
] as const;

type ListKey = 'autoReapAvoid' | 'autoReapPrefer';
const LIST_LABELS: Record<ListKey, string> = { autoReapAvoid: 'Never auto-reap', autoReapPrefer: 'Reap first' };

/** The draft for these settings. */
export function guardDraftOf(settings: Settings): GuardDraft {
  return {
    autoReap: settings.autoReap,
    guardWarnSomePct: String(settings.guardWarnSomePct),
    guardActFullPct: String(settings.guardActFullPct),
    guardSustainSeconds: String(settings.guardSustainSeconds),
    guardCooldownSeconds: String(settings.guardCooldownSeconds),
    autoReapAvoid: settings.autoReapAvoid.join('\n'),
    autoReapPrefer: settings.autoReapPrefer.join('\n'),
  };
}

/** One entry per non-empty line, trimmed, duplicates dropped. */
export function parseLines(text: string): string[] {
  return [...new Set(text.split('\n').map((s) => s.trim()).filter((s) => s.length > 0))];
}

/** Why this list entry is refused, in plain words, or null when it is fine. */
export function listEntryProblem(entry: string, key: ListKey): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(entry)) return 'contains a control character; type the name or glob as plain text';
  if (/^[*?/]*$/.test(entry) && entry.includes('*')) {
    return key === 'autoReapAvoid'
      ? `"${entry}" matches every app; to stop auto-reap altogether, turn it off instead`
      : `"${entry}" matches every app, so it would prefer nothing in particular`;
  }
  return null;
}

/** The patch for what changed in the draft, or the first problem in plain words. */
export function guardPatchOf(draft: GuardDraft, settings: Settings): { patch: SettingsPatch } | { error: string } {
  const patch: Record<string, unknown> = {};
  for (const f of GUARD_NUMBER_FIELDS) {
    const raw = draft[f.key].trim();
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) return { error: `${f.label}: enter a number.` };
    if (value !== settings[f.key]) patch[f.key] = value;
  }
  for (const key of ['autoReapAvoid', 'autoReapPrefer'] as const) {
    // Line numbers as the person sees them in the box (empty lines count).
    for (const [i, line] of draft[key].split('\n').entries()) {
      const problem = line.trim() === '' ? null : listEntryProblem(line.trim(), key);
      if (problem) return { error: `${LIST_LABELS[key]}, line ${i + 1}: ${problem}.` };
    }
    const entries = parseLines(draft[key]);
    if (entries.join('\n') !== settings[key].join('\n')) patch[key] = entries;
  }
  if (draft.autoReap !== settings.autoReap) patch.autoReap = draft.autoReap;
  return { patch: patch as SettingsPatch };
}
