/**
 * Settings validation in plain words: the field names people see instead of schema keys, for
 * errors found locally and for the server's "Bad parameters for setSettings at <key>: …".
 */
import type { z } from 'zod';
import type { Settings } from '../../contract/settings';

export const SETTING_LABELS: Record<string, string> = {
  intervalMs: 'Sampling interval',
  historyMinutes: 'History',
  notifications: 'Notifications',
  endGraceMs: 'End grace period',
  sessionCritical: 'Session-critical processes',
  guardWarnSomePct: 'Warn level',
  guardActFullPct: 'Act level',
  guardSustainSeconds: 'Sustain',
  guardCooldownSeconds: 'Cooldown',
  autoReap: 'Auto-reap',
  autoReapAvoid: 'Never auto-reap',
  autoReapPrefer: 'Reap first',
} satisfies Partial<Record<keyof Settings, string>>;

/** Whole-number settings get "enter a whole number" rather than zod's "expected int". */
function problemInWords(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'enter a whole number';
  if (issue.code === 'too_big' && issue.origin === 'string') return `too long (at most ${String(issue.maximum)} characters)`;
  if (issue.code === 'too_big' && issue.origin === 'array') return `too many entries (at most ${String(issue.maximum)})`;
  return sentence(issue.message).replace(/^./, (c) => c.toLowerCase());
}

function sentence(text: string): string {
  const t = text.trim().replace(/\.$/, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The first zod issue as "<Field>: <problem>." */
export function settingsIssueInWords(issue: z.core.$ZodIssue): string {
  const key = String(issue.path[0] ?? '');
  const label = SETTING_LABELS[key] ?? (key || 'Settings');
  // A list entry: say which line of the box.
  const where = typeof issue.path[1] === 'number' ? `, line ${issue.path[1] + 1}` : '';
  return `${label}${where}: ${problemInWords(issue)}.`;
}

/** A server error message with the schema key replaced by the field's label. */
export function settingsServerErrorInWords(message: string): string {
  const m = /^Bad parameters for setSettings at ([\w.]+): (.*)$/.exec(message);
  if (!m) return `Settings not saved: ${message}`;
  const key = m[1]!.split('.')[0]!;
  const label = SETTING_LABELS[key] ?? key;
  return `Settings not saved \u2014 ${label}: ${m[2]!.replace(/\.$/, '')}.`;
}
