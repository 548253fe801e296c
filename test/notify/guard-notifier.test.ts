/** The desktop notification decision driven by the guard: one warning per episode, one notice per auto-reap. */
import { describe, expect, it } from 'vitest';
import type { GuardState } from '../../contract/guard';
import { defaultSettings, type Settings } from '../../contract/settings';
import { GuardNotifier, WARNING_MIN_GAP_MS, type GuardNotice } from '../../main/notify/guard-notifier';
import { makeResult } from '../renderer/factory';
import { makeCulprit, makeGuard, reapedGuard, T0, warningGuard } from '../renderer/guard-factory';

const settings = (patch: Partial<Settings> = {}): Settings => ({ ...defaultSettings(), ...patch });

/** Feed these states one second apart from `startSec`; return the notices with the second they came. */
function feed(n: GuardNotifier, states: GuardState[], s = settings(), startSec = 0): { at: number; notice: GuardNotice }[] {
  const out: { at: number; notice: GuardNotice }[] = [];
  states.forEach((state, i) => {
    for (const notice of n.observe(state, s, (startSec + i) * 1000)) out.push({ at: startSec + i, notice });
  });
  return out;
}

describe('GuardNotifier', () => {
  it('warns once per episode, naming the culprit with the guard’s reason and what auto-reap would do', () => {
    const n = new GuardNotifier();
    const warn = warningGuard();
    const out = feed(n, [makeGuard(), makeGuard(), warn, warn, warningGuard({ phase: 'acting' }), warn]);
    expect(out).toHaveLength(1);
    expect(out[0]!.at).toBe(2);
    expect(out[0]!.notice).toEqual({
      kind: 'warning',
      title: 'Memory pressure: leaky is the likely cause',
      body: 'leaky: 38 % of its time stalled on memory, +120 MiB/s. Programs waited for memory 42 % of the time (all of them at once 18 %). Auto-reap is off; it would reap leaky.',
      appId: 'tree:4242:5242',
      appName: 'leaky',
    });
  });

  it('warns again in a new episode after calm, but not when the guard flaps within WARNING_MIN_GAP_MS', () => {
    const n = new GuardNotifier();
    const calm = makeGuard();
    const warn = warningGuard();
    expect(feed(n, [warn, calm, warn, calm], settings(), 0)).toHaveLength(1);
    const gapSec = WARNING_MIN_GAP_MS / 1000;
    expect(feed(n, [warn], settings(), gapSec - 1)).toHaveLength(0);
    expect(feed(n, [calm, warn], settings(), gapSec + 1).map((o) => o.at)).toEqual([gapSec + 2]);
  });

  it('says when auto-reap is on, when it is not acting here, and when the culprit may not be acted on', () => {
    const on = settings({ autoReap: true });
    expect(feed(new GuardNotifier(), [warningGuard({ acting: true })], on)[0]!.notice.body).toMatch(/Auto-reap will end leaky if it gets worse\.$/);
    expect(feed(new GuardNotifier(), [warningGuard({ actingNote: 'Another guard (PID 812) holds the lock.' })], on)[0]!.notice.body).toMatch(
      /Auto-reap is on but not acting here \(Another guard \(PID 812\) holds the lock\)\.$/,
    );
    const critical = makeCulprit({ notActionable: 'Xorg is session-critical.' });
    expect(feed(new GuardNotifier(), [warningGuard({ culprit: critical })], on)[0]!.notice.body).toMatch(/Auto-reap would not act on it: Xorg is session-critical\.$/);
    // Warned before the culprit settled: the leader is named, and why the guard waits, not what it would reap.
    const note = 'No settled culprit yet: leaky leads the ranking, but has not for the whole 2 s.';
    const waiting = feed(new GuardNotifier(), [warningGuard({ culprit: null, culpritNote: note })], on)[0]!.notice;
    expect(waiting.title).toBe('Memory pressure: leaky is the likely cause');
    expect(waiting.body.endsWith(note)).toBe(true);
  });

  it('warns without a Reap offer when no app stands out', () => {
    const out = feed(new GuardNotifier(), [makeGuard({ phase: 'warning', pressure: { some: 25, full: 3 } })]);
    expect(out[0]!.notice).toEqual({ kind: 'warning', title: 'Memory pressure is high', body: 'Programs waited for memory 25 % of the time (all of them at once 3 %). No app stands out as the cause.', appId: null, appName: null });
  });

  it('announces every auto-reap once, with what came back and why, even within the warning gap', () => {
    const n = new GuardNotifier();
    const reaped = reapedGuard();
    const out = feed(n, [warningGuard(), reaped, reaped, reaped]);
    expect(out.map((o) => o.notice.kind)).toEqual(['warning', 'auto-reap']);
    expect(out[1]!.notice).toEqual({
      kind: 'auto-reap',
      title: 'Headroom ended leaky (auto-reap)',
      body: 'Freed 512 MiB in 40 ms. Why: leaky: 38 % of its time stalled on memory, +120 MiB/s; all programs stalled on memory 31 % of the time.',
      appId: null,
      appName: 'leaky',
    });
    // A second reap (a later event) in the next second is announced too.
    const again = makeGuard({ last: { ...(reaped.last as Extract<GuardState['last'], { event: 'reap' }>), time: T0 + 9000 } });
    expect(feed(n, [again], settings(), 10).map((o) => o.notice.kind)).toEqual(['auto-reap']);
    // After the wall clock was set back an hour, the next reap (stamped earlier) is announced too.
    const afterStepBack = makeGuard({ last: { ...(reaped.last as Extract<GuardState['last'], { event: 'reap' }>), time: T0 + 9000 - 3600_000 } });
    expect(feed(n, [afterStepBack, afterStepBack], settings(), 11).map((o) => o.notice.kind)).toEqual(['auto-reap']);
  });

  it('reports an auto-reap that ended nothing as such', () => {
    const culprit = makeCulprit();
    const failed = makeResult({ ok: false, method: null, freedBytes: 0, mreleaseMs: null, goneMs: null, memoryBackMs: null, error: { code: 'CHANGED', message: 'The process exited before the reap.' } });
    const state = makeGuard({ phase: 'acting', last: { time: T0, event: 'reap', pressure: { some: 50, full: 30 }, culprit, results: [failed] } });
    const out = feed(new GuardNotifier(), [state]);
    // The reap notice stands for the episode's warning too: one notice, not two.
    expect(out).toHaveLength(1);
    expect(out[0]!.notice.title).toBe('Headroom could not end leaky (auto-reap)');
    expect(out[0]!.notice.body).toMatch(/^Nothing was ended: The process exited before the reap\. Why: /);
  });

  it('shows nothing while notifications are off, and does not replay the episode when they are turned on', () => {
    const n = new GuardNotifier();
    const off = settings({ notifications: false });
    expect(feed(n, [warningGuard(), reapedGuard()], off)).toEqual([]);
    expect(feed(n, [warningGuard({ last: reapedGuard().last })], settings(), 2)).toEqual([]);
  });

  it('is not silenced by a clock set backwards', () => {
    const n = new GuardNotifier();
    feed(n, [warningGuard(), makeGuard()], settings(), 1000);
    expect(feed(n, [warningGuard()], settings(), 5)).toHaveLength(0);
    expect(feed(n, [makeGuard(), warningGuard()], settings(), 5 + WARNING_MIN_GAP_MS / 1000)).toHaveLength(1);
  });

  it('isolates a name a program gave itself and shows its controls as codes: an override cannot reorder the title or the sentences', () => {
    const evil = makeCulprit({ name: '\u202Eexoferif', reason: '\u202Eexoferif: 38 % of its time stalled on memory' });
    const [warning] = feed(new GuardNotifier(), [warningGuard({ culprit: evil, ranking: [evil] })]);
    const shown = '\u2068\u27e8U+202E\u27e9exoferif\u2069';
    expect(warning!.notice.title).toBe(`Memory pressure: ${shown} is the likely cause`);
    expect(warning!.notice.body.startsWith('\u27e8U+202E\u27e9exoferif: 38 % of its time stalled on memory.')).toBe(true);
    expect(warning!.notice.body.endsWith(`Auto-reap is off; it would reap ${shown}.`)).toBe(true);
    const [reaped] = feed(new GuardNotifier(), [warningGuard({ culprit: evil, ranking: [evil] }), reapedGuard(evil)]).filter((o) => o.notice.kind === 'auto-reap');
    expect(reaped!.notice.title).toBe(`Headroom ended ${shown} (auto-reap)`);
    for (const text of [warning!.notice.title, warning!.notice.body, reaped!.notice.title, reaped!.notice.body]) {
      // No embedding, override or isolate but the ones around each name.
      expect(text.replace(/\u2068[^\u2068\u2069]*\u2069/g, '')).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
