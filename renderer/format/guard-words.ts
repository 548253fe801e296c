/**
 * The pressure guard in plain words, for the banner and the status bar. Pure functions of the
 * contract's GuardState, so every state is unit-tested without a window.
 *
 * What the banner says, in order of precedence:
 * 1. The guard warns (phase `warning` or `acting`): an alert naming the culprit and its reason, the
 *    pressure, and what auto-reap did or would do about it. While auto-reap is off (or another
 *    guard holds the per-user lock) it says "would reap <name>", so a person can see whether the
 *    guard picks the right app before trusting it to act.
 * 2. Calm again, but the last thing the guard did was an auto-reap: a quiet status saying what was
 *    ended, what came back and why (until dismissed).
 * 3. Otherwise nothing.
 *
 * Names a process gave itself are isolated (displayName: a right-to-left override in one cannot
 * reorder the sentence around it); sentences from main that quote names (the culprit's reason, the
 * guard's notes) have their control characters shown as codes (visibleControls).
 */
import { displayName, visibleControls } from '../../contract/display-name';
import type { Culprit, GuardEvent, GuardState } from '../../contract/guard';
import { describeReapResults } from './reap-result';
import { formatMs } from './units';

/** What the banner shows; null when there is nothing to show. */
export interface GuardBannerWords {
  /** `alert` while the guard warns (role="alert"); `status` for an auto-reap after the fact. */
  kind: 'alert' | 'status';
  /** The first line, e.g. "Memory pressure: hrdrill is the likely cause". */
  headline: string;
  /** The culprit's reason, e.g. "hrdrill: 38 % of its time stalled on memory, +120 MiB/s". */
  reason: string | null;
  /** System pressure per tick, e.g. "System memory stalled: some 42.0 %, full 18.3 %". */
  pressure: string | null;
  /** What auto-reap did or would do, e.g. "Auto-reap is off: it would reap hrdrill." */
  action: string | null;
  /** The app the Reap button offers, or null (no culprit). */
  culprit: Culprit | null;
  /** Identifies this message, so dismissing it hides only it. */
  key: string;
}

function pct(v: number): string {
  return `${v.toFixed(1)} %`;
}

/** "System memory stalled: some 42.0 %, full 18.3 % of the time". */
export function pressureInWords(p: { some: number; full: number }): string {
  return `System memory stalled: some ${pct(p.some)}, full ${pct(p.full)} of the time`;
}

/** What an auto-reap event did, e.g. "Auto-reap ended hrdrill: Freed 512.0 MiB in 40 ms (process_mrelease)." */
export function autoReapInWords(event: Extract<GuardEvent, { event: 'reap' }>): string {
  const outcome = describeReapResults(event.results);
  const verb = outcome.tone === 'failure' ? 'tried to end' : 'ended';
  return `Auto-reap ${verb} ${displayName(event.culprit.name)}: ${visibleControls(outcome.text).replace(/\.$/, '')}.`;
}

/** What auto-reap does or would do about this episode. */
function actionInWords(state: GuardState, autoReap: boolean, culprit: Culprit | null): string | null {
  const last = state.last;
  if (last?.event === 'reap' && state.phase !== 'calm') return autoReapInWords(last);
  // The guard acts only on a settled culprit; until then it says why it waits, not what it would reap.
  if (state.culprit === null && state.culpritNote) return visibleControls(state.culpritNote);
  if (culprit === null) return autoReap ? 'Auto-reap is on, but no app can be blamed for this pressure.' : null;
  const name = displayName(culprit.name);
  if (culprit.notActionable !== null) return `Auto-reap would not act on ${name}: ${visibleControls(culprit.notActionable).replace(/\.$/, '')}.`;
  const would = last?.event === 'would-reap' && last.culprit.appId === culprit.appId ? 'would have reaped' : 'would reap';
  if (!autoReap) return `Auto-reap is off: it ${would} ${name}. Turn it on in Settings once you trust its choice.`;
  if (!state.acting) return `Auto-reap is on but not acting here${state.actingNote ? ` (${visibleControls(state.actingNote).replace(/\.$/, '')})` : ''}: it ${would} ${name}.`;
  return `Auto-reap is on: ${name} will be reaped if full pressure stays above the act level.`;
}

/** The banner's words for this guard state, or null when the banner is hidden. */
export function guardBannerWords(state: GuardState | null, autoReap: boolean): GuardBannerWords | null {
  if (state === null) return null;
  if (state.phase !== 'calm') {
    const warning = state.last?.event === 'warning' ? state.last : null;
    const culprit = state.culprit ?? warning?.culprit ?? null;
    const pressure = state.pressure ?? warning?.pressure ?? null;
    return {
      kind: 'alert',
      headline: culprit ? `Memory pressure: ${displayName(culprit.name)} is the likely cause` : 'Memory pressure is high',
      reason: culprit ? visibleControls(culprit.reason) : (state.ranking.length === 0 ? 'No app stands out as the cause.' : null),
      pressure: pressure ? pressureInWords(pressure) : null,
      action: actionInWords(state, autoReap, culprit),
      culprit,
      key: `alert-${warning?.time ?? state.last?.time ?? 0}`,
    };
  }
  const last = state.last;
  if (last?.event === 'reap') {
    return {
      kind: 'status',
      headline: autoReapInWords(last),
      reason: visibleControls(last.culprit.reason),
      pressure: pressureInWords(last.pressure),
      action: null,
      culprit: null,
      key: `reap-${last.time}`,
    };
  }
  return null;
}

/** The status bar's words: "Guard: PSI triggers, 2 s window", "Guard: polling every 1 s", "Guard: unavailable — …". */
export function guardModeInWords(state: GuardState | null): string {
  if (state === null) return 'Guard: not reported';
  const windowText = state.windowMs === null ? '' : state.windowMs % 1000 === 0 ? `${state.windowMs / 1000} s` : formatMs(state.windowMs);
  switch (state.mode) {
    case 'trigger':
      return `Guard: PSI triggers, ${windowText} window`;
    case 'poll':
      return `Guard: polling${windowText ? ` every ${windowText}` : ''}${state.modeNote ? ` \u2014 ${state.modeNote.replace(/\.$/, '')}` : ''}`;
    case 'unavailable':
      return `Guard: unavailable${state.modeNote ? ` \u2014 ${state.modeNote.replace(/\.$/, '')}` : ''}`;
  }
}
