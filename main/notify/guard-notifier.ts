/**
 * The desktop notification decision, driven by the pressure guard (main/guard) rather than by a
 * second threshold of its own: the guard decides when memory pressure is an episode (system
 * `some` stall at or above the warn level for the sustain period); this decides what the person
 * is told about it. Plain Node, tested in test/notify; the Electron shell only shows the notices.
 *
 * Feed it every `guard` state the service emits (GuardState). It answers with the notices to show:
 * - one `warning` per episode, when the phase first leaves `calm`, naming the culprit with the
 *   guard's reason and what auto-reap would do (or that it is on). An episode ends when the phase
 *   is `calm` again. A guard that flaps calm → warning → calm within seconds would be one episode
 *   to a person, so a new warning needs WARNING_MIN_GAP_MS since the last one;
 * - one `auto-reap` for each reap the guard did (a `last` event of kind `reap` not seen before),
 *   saying what was ended, what came back and why. Never rate-limited: every kill is announced.
 * Nothing is shown while notifications are off in Settings (the state is still followed, so
 * turning them on mid-episode does not replay an old warning).
 *
 * This replaces the old PressureNotifier (its own `full avg10` threshold and hold time), so a
 * desktop gets one warning per episode, not one from the guard and one from the notifier.
 *
 * Names a process gave itself are isolated (displayName: a right-to-left override in one cannot
 * reorder the sentence around it), and the guard's own sentences, which quote names, have their
 * control characters shown as codes (visibleControls).
 */
import { displayName, visibleControls } from '../../contract/display-name';
import type { GuardEvent, GuardState } from '../../contract/guard';
import type { Settings } from '../../contract/settings';
import { formatBytes } from './format';

/** A new warning needs this long since the last one (an episode that ends and restarts at once is one). */
export const WARNING_MIN_GAP_MS = 30_000;

/** What to show on the desktop. */
export interface GuardNotice {
  kind: 'warning' | 'auto-reap';
  title: string;
  body: string;
  /** The app the click should offer to reap (warnings with a culprit only), else null. */
  appId: string | null;
  appName: string | null;
}

function pct(v: number): string {
  return `${v.toFixed(0)} %`;
}

/** "Freed 512 MiB in 40 ms" / "Killed 2 processes; memory returns as they exit" / "Nothing was ended: …". */
export function reapSummary(event: Extract<GuardEvent, { event: 'reap' }>): string {
  const done = event.results.filter((r) => r.ok);
  if (done.length === 0) {
    const why = event.results.find((r) => r.error)?.error?.message;
    return `Nothing was ended${why ? `: ${why.replace(/\.$/, '')}` : ''}`;
  }
  const freed = done.reduce((s, r) => s + r.freedBytes, 0);
  const back = done.map((r) => r.memoryBackMs).filter((t): t is number => t !== null);
  const count = done.length > 1 ? ` from ${done.length} processes` : '';
  if (back.length === 0) return `Killed${count}; ${formatBytes(freed)} returns as it exits`;
  return `Freed ${formatBytes(freed)}${count} in ${Math.round(Math.max(...back))} ms`;
}

function warningNotice(state: GuardState, settings: Settings): GuardNotice {
  const warning = state.last?.event === 'warning' ? state.last : null;
  const culprit = state.culprit ?? warning?.culprit ?? null;
  const pressure = state.pressure ?? warning?.pressure ?? null;
  const stalled = pressure ? `Programs waited for memory ${pct(pressure.some)} of the time (all of them at once ${pct(pressure.full)}).` : '';
  if (culprit === null) {
    return { kind: 'warning', title: 'Memory pressure is high', body: `${stalled} No app stands out as the cause.`.trim(), appId: null, appName: null };
  }
  let action: string;
  // Warned before the culprit settled: say why the guard waits rather than what it would reap.
  const name = displayName(culprit.name);
  if (state.culprit === null && state.culpritNote) action = visibleControls(state.culpritNote);
  else if (culprit.notActionable !== null) action = `Auto-reap would not act on it: ${visibleControls(culprit.notActionable).replace(/\.$/, '')}.`;
  else if (!settings.autoReap) action = `Auto-reap is off; it would reap ${name}.`;
  else if (!state.acting) action = `Auto-reap is on but not acting here${state.actingNote ? ` (${visibleControls(state.actingNote).replace(/\.$/, '')})` : ''}.`;
  else action = `Auto-reap will end ${name} if it gets worse.`;
  return {
    kind: 'warning',
    title: `Memory pressure: ${name} is the likely cause`,
    body: [`${visibleControls(culprit.reason).replace(/\.$/, '')}.`, stalled, action].filter((s) => s !== '').join(' '),
    appId: culprit.appId,
    appName: culprit.name,
  };
}

function autoReapNotice(event: Extract<GuardEvent, { event: 'reap' }>): GuardNotice {
  const ended = event.results.some((r) => r.ok);
  const name = displayName(event.culprit.name);
  return {
    kind: 'auto-reap',
    title: ended ? `Headroom ended ${name} (auto-reap)` : `Headroom could not end ${name} (auto-reap)`,
    body: `${reapSummary(event)}. Why: ${visibleControls(event.culprit.reason).replace(/\.$/, '')}; all programs stalled on memory ${pct(event.pressure.full)} of the time.`,
    appId: null,
    appName: event.culprit.name,
  };
}

/** Decides which guard states become desktop notifications. One instance per shell. */
export class GuardNotifier {
  private inEpisode = false;
  private lastWarningMs: number | null = null;
  /** The last auto-reap announced, by what it was (time, app, processes): a clock set back must not silence the next. */
  private lastReapKey = '';

  /** The notices for this state (usually none). `nowMs` is a monotonic clock, passed in so the rules are testable. */
  observe(state: GuardState, settings: Settings, nowMs: number): GuardNotice[] {
    const notices: GuardNotice[] = [];
    // A clock set backwards must not silence warnings for the size of the jump.
    if (this.lastWarningMs !== null && nowMs < this.lastWarningMs) this.lastWarningMs = nowMs;
    const last = state.last;
    const reapKey = last?.event === 'reap' ? JSON.stringify([last.time, last.culprit.appId, last.results.map((r) => [r.pid, r.startTime])]) : '';
    if (last?.event === 'reap' && reapKey !== this.lastReapKey) {
      this.lastReapKey = reapKey;
      if (settings.notifications) notices.push(autoReapNotice(last));
    }
    if (state.phase === 'calm') {
      this.inEpisode = false;
      return notices;
    }
    if (this.inEpisode) return notices;
    this.inEpisode = true;
    if (this.lastWarningMs !== null && nowMs - this.lastWarningMs < WARNING_MIN_GAP_MS) return notices;
    this.lastWarningMs = nowMs;
    // Already reaped in the same state (the guard acted at once): the auto-reap notice says it all.
    if (settings.notifications && notices.length === 0) notices.push(warningNotice(state, settings));
    return notices;
  }
}
