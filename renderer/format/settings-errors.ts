/**
 * Settings validation in plain words: the field names people see instead of schema keys, for
 * errors found locally and for the server's "Bad parameters for setSettings at <key>: …".
 */
import type { z } from 'zod';

export const SETTING_LABELS: Record<string, string> = {
  intervalMs: 'Sampling interval',
  historyMinutes: 'History',
  someThresholdPct: 'Some threshold',
  fullThresholdPct: 'Full threshold',
  notifyAfterSeconds: 'Notify after',
  notifications: 'Notifications',
  endGraceMs: 'End grace period',
  sessionCritical: 'Session-critical processes',
};

function sentence(text: string): string {
  const t = text.trim().replace(/\.$/, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The first zod issue as "<Field>: <problem>." */
export function settingsIssueInWords(issue: z.core.$ZodIssue): string {
  const key = String(issue.path[0] ?? '');
  const label = SETTING_LABELS[key] ?? (key || 'Settings');
  return `${label}: ${sentence(issue.message).replace(/^./, (c) => c.toLowerCase())}.`;
}

/** A server error message with the schema key replaced by the field's label. */
export function settingsServerErrorInWords(message: string): string {
  const m = /^Bad parameters for setSettings at ([\w.]+): (.*)$/.exec(message);
  if (!m) return `Settings not saved: ${message}`;
  const key = m[1]!.split('.')[0]!;
  const label = SETTING_LABELS[key] ?? key;
  return `Settings not saved \u2014 ${label}: ${m[2]!.replace(/\.$/, '')}.`;
}
