/**
 * The pressure guard in the window, over a recordingClient (the component boundary): the banner
 * (alert naming the culprit and its reason, would-reap while auto-reap is off, what an auto-reap
 * did), its Reap going through the usual confirmation, the guard's mode in the status bar, getGuard
 * on load and after a reconnect, the marker kinds on the charts, and the wording functions.
 */
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { GuardState } from '../../contract/guard';
import type { ReapMarker } from '../../contract/history';
import type { SettingsPatch } from '../../contract/settings';
import { App } from '../../renderer/App';
import { guardBannerWords, guardModeInWords } from '../../renderer/format/guard-words';
import { eventLine } from '../../renderer/format/events';
import { markerText, markerTitle } from '../../renderer/format/marker-kind';
import type { Connection, ConnectionState } from '../../renderer/transport/connection';
import { GiB, makeHistory, makeResult, makeSettingsState, makeSnapshot, makeStatus, typicalApps } from './factory';
import { makeCulprit, makeGuard, reapedGuard, T0, warningGuard } from './guard-factory';
import { recordingClient } from './recording-client';

afterEach(cleanup);

function stubConnection() {
  let state: ConnectionState = 'open';
  const listeners = new Set<(s: ConnectionState) => void>();
  const connection: Connection = {
    state: () => state,
    onChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return {
    connection,
    set(next: ConnectionState) {
      state = next;
      for (const l of listeners) l(next);
    },
  };
}

function setup(options: { guard?: () => GuardState | Promise<GuardState>; markers?: ReapMarker[]; autoReap?: boolean; connection?: Connection } = {}) {
  let settings = makeSettingsState({ autoReap: options.autoReap ?? false });
  const client = recordingClient({
    getStatus: () => makeStatus('helper-installed'),
    getSettings: () => settings,
    getHistory: () => makeHistory(120, T0, options.markers ?? []),
    getSnapshot: () => makeSnapshot(typicalApps(), { time: T0, seq: 5 }),
    getGuard: options.guard ?? (() => makeGuard()),
    reap: () => ({ results: [makeResult()] }),
    setSettings: (patch: SettingsPatch) => (settings = makeSettingsState({ ...settings.settings, ...patch })),
  });
  render(<App client={client} connection={options.connection} />);
  return { client, user: userEvent.setup() };
}

const loaded = () => screen.findByRole('row', { name: /leaky/ });
const statusBar = () => screen.getByRole('contentinfo');

describe('the guard in the window', () => {
  it('asks getGuard on load, follows the guard event, and shows the mode in the status bar', async () => {
    const { client } = setup();
    await loaded();
    expect(client.callsOf('getGuard')).toEqual([{}]);
    expect(client.listenerCount('guard')).toBe(1);
    await waitFor(() => expect(statusBar().textContent).toContain('Guard: PSI triggers, 2 s window'));
    expect(screen.queryByRole('alert')).toBeNull();

    act(() => client.emit('guard', makeGuard({ mode: 'poll', windowMs: 1000, modeNote: 'PSI triggers were refused (EINVAL).' })));
    expect(statusBar().textContent).toContain('Guard: polling every 1 s \u2014 PSI triggers were refused (EINVAL)');
    act(() => client.emit('guard', makeGuard({ mode: 'unavailable', windowMs: null, modeNote: 'This kernel has no PSI (/proc/pressure/memory is missing).' })));
    expect(statusBar().textContent).toContain('Guard: unavailable \u2014 This kernel has no PSI (/proc/pressure/memory is missing)');
  });

  it('alerts naming the culprit and its reason, says what auto-reap would do, and its Reap opens the usual confirmation', async () => {
    const { client, user } = setup();
    await loaded();
    act(() => client.emit('guard', warningGuard()));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Memory pressure: leaky is the likely cause');
    expect(alert.textContent).toContain('leaky: 38 % of its time stalled on memory, +120 MiB/s');
    expect(alert.textContent).toContain('System memory stalled: some 42.0 %, full 18.3 % of the time');
    expect(alert.textContent).toContain('Auto-reap is off: it would reap leaky.');

    const banner = screen.getByRole('region', { name: 'Pressure guard' });
    await user.click(within(banner).getByRole('button', { name: 'Reap leaky\u2026' }));
    // The confirmation, not a kill: nothing is sent until the person confirms.
    const dialog = screen.getByRole('dialog', { name: 'Reap the app leaky?' });
    expect(client.callsOf('reap')).toEqual([]);
    expect(dialog.textContent).toContain('4242');
    await user.click(within(dialog).getByRole('button', { name: 'Reap' }));
    expect(client.callsOf('reap')).toEqual([{ targets: [{ pid: 4242, startTime: 5242 }], mode: 'kill', force: false }]);
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Freed 2.1 GiB'));
  });

  it('shows a culprit whose name carries a right-to-left override isolated, the override as a code, so it cannot reorder the alert', async () => {
    const { client } = setup();
    await loaded();
    const evil = makeCulprit({ appId: 'tree:9999:10999', pids: [9999], name: '\u202Eexoferif', reason: '\u202Eexoferif: +1 GiB/s' });
    act(() => client.emit('guard', warningGuard({ culprit: evil, ranking: [evil] })));
    const banner = screen.getByRole('region', { name: 'Pressure guard' });
    expect(banner.textContent).toContain('Memory pressure: \u2068\u27e8U+202E\u27e9exoferif\u2069 is the likely cause');
    expect(banner.textContent).toContain('\u27e8U+202E\u27e9exoferif: +1 GiB/s');
    expect(banner.textContent).toContain('\u2068\u27e8U+202E\u27e9exoferif\u2069 is no longer running');
    expect(banner.textContent!.replace(/\u2068[^\u2068\u2069]*\u2069/g, '')).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('says "would have reaped" after a would-reap, why it would not act, and when the culprit is gone', async () => {
    const { client } = setup();
    await loaded();
    const culprit = makeCulprit();
    act(() => client.emit('guard', warningGuard({ phase: 'acting', last: { time: T0 + 2000, event: 'would-reap', pressure: { some: 70, full: 40 }, culprit } })));
    expect(screen.getByRole('alert').textContent).toContain('Auto-reap is off: it would have reaped leaky.');

    const protectedOne = makeCulprit({ notActionable: 'code is on your never-auto-reap list.', name: 'code', appId: 'tree:3100:4100', pids: [3100], reason: 'code: +300 MiB/s' });
    act(() => client.emit('guard', warningGuard({ culprit: protectedOne, ranking: [protectedOne] })));
    expect(screen.getByRole('alert').textContent).toContain('Auto-reap would not act on code: code is on your never-auto-reap list.');

    // Warned before the culprit settled: the banner says why the guard waits, not what it would reap.
    const note = 'No settled culprit yet: leaky leads the ranking, but has not for the whole 2 s.';
    act(() => client.emit('guard', warningGuard({ culprit: null, culpritNote: note })));
    expect(screen.getByRole('alert').textContent).toContain(note);
    expect(screen.getByRole('alert').textContent).not.toContain('would reap');

    const gone = makeCulprit({ appId: 'tree:9999:10999', pids: [9999], name: 'ghost', reason: 'ghost: +1 GiB/s' });
    act(() => client.emit('guard', warningGuard({ culprit: gone, ranking: [gone] })));
    const banner = screen.getByRole('region', { name: 'Pressure guard' });
    expect(banner.textContent).toContain('ghost is no longer running');
    expect(within(banner).queryByRole('button', { name: /^Reap/ })).toBeNull();
  });

  it('with auto-reap on, says what it did after an auto-reap; the message can be dismissed', async () => {
    const { client, user } = setup({ autoReap: true });
    await loaded();
    act(() => client.emit('guard', warningGuard({ acting: true })));
    expect(screen.getByRole('alert').textContent).toContain('Auto-reap is on: leaky will be reaped if full pressure stays above the act level.');
    act(() => client.emit('guard', warningGuard({ acting: false, actingNote: 'Another Headroom guard (PID 812) holds the lock.' })));
    expect(screen.getByRole('alert').textContent).toContain('Auto-reap is on but not acting here (Another Headroom guard (PID 812) holds the lock): it would reap leaky.');

    act(() => client.emit('guard', reapedGuard()));
    expect(screen.queryByRole('alert')).toBeNull();
    const banner = screen.getByRole('region', { name: 'Pressure guard' });
    expect(within(banner).getByRole('status').textContent).toContain('Auto-reap ended leaky: Freed 512.0 MiB in 40 ms (process_mrelease).');
    expect(banner.textContent).toContain('leaky: 38 % of its time stalled on memory');
    await user.click(within(banner).getByRole('button', { name: 'Dismiss guard message' }));
    expect(screen.queryByRole('region', { name: 'Pressure guard' })).toBeNull();
    act(() => client.emit('guard', makeGuard()));
    expect(screen.queryByRole('region', { name: 'Pressure guard' })).toBeNull();
  });

  it('asks getGuard again after a reconnect, and a stale reply does not overwrite a newer event', async () => {
    const link = stubConnection();
    let answer: (g: GuardState) => void = () => undefined;
    let calls = 0;
    const { client } = setup({
      connection: link.connection,
      guard: () => (++calls === 1 ? makeGuard() : new Promise<GuardState>((resolve) => (answer = resolve))),
    });
    await loaded();
    await waitFor(() => expect(statusBar().textContent).toContain('Guard: PSI triggers'));
    act(() => link.set('reconnecting'));
    act(() => link.set('open'));
    expect(client.callsOf('getGuard')).toHaveLength(2);
    // The event arrives before the reply; the reply (older) is dropped.
    act(() => client.emit('guard', warningGuard()));
    await act(async () => answer(makeGuard()));
    expect(screen.getByRole('alert').textContent).toContain('leaky');
  });

  it('without a guard in main, the window works and says the guard has not reported', async () => {
    const { client } = setup({ guard: () => Promise.reject(new Error('no handler for getGuard')) });
    await loaded();
    await waitFor(() => expect(client.callsOf('getGuard')).toHaveLength(1));
    expect(statusBar().textContent).toContain('Guard: not reported');
    expect(statusBar().textContent).not.toContain('Could not load');
  });
});

describe('marker kinds on the charts', () => {
  const base: ReapMarker = { time: T0 - 5000, kind: 'reap', label: 'leaky', detail: '', freedBytes: Math.round(2.1 * GiB), mreleaseMs: 84, availableBeforeBytes: GiB, recoveredMs: 420 };

  it('gives each kind its own class and words, and its detail as the accessible title', async () => {
    const markers: ReapMarker[] = [
      { ...base, time: T0 - 60_000, kind: 'warning', label: 'leaky', detail: 'Guard warning: some 42 % for 2 s; leaky: 38 % stalled, +120 MiB/s', freedBytes: 0, recoveredMs: null },
      { ...base, time: T0 - 50_000, kind: 'would-reap', label: 'leaky', detail: 'Would reap leaky: full 31 % for 2 s (auto-reap is off)', freedBytes: 0, recoveredMs: null },
      { ...base, time: T0 - 40_000, kind: 'oom-kill', label: 'python3', detail: 'Kernel OOM killer ended python3 (PID 784, 160 MiB anon) in memory cgroup /test', freedBytes: 160 * 1024 * 1024 },
      { ...base, time: T0 - 30_000, kind: 'oomd-kill', label: 'app-slack', detail: 'systemd-oomd killed app-slack-1.scope (memory pressure 61 % for 30 s)', freedBytes: 0 },
      { ...base, time: T0 - 20_000, kind: 'auto-reap', label: 'leaky', detail: 'Auto-reap ended leaky: full 31 % for 2 s; leaky: 38 % stalled', freedBytes: 512 * 1024 * 1024 },
    ];
    setup({ markers });
    await loaded();
    for (const kind of ['warning', 'would-reap', 'oom-kill', 'oomd-kill', 'auto-reap']) {
      const found = screen.getAllByTestId(`marker-${kind}`);
      // On both charts, each titled with its detail.
      expect(found).toHaveLength(2);
      const m = markers.find((x) => x.kind === kind)!;
      for (const el of found) {
        expect(el.getAttribute('class')).toContain(`hr-marker-${kind}`);
        expect(el.querySelector('title')!.textContent).toBe(m.detail);
      }
      expect(document.querySelector(`.hr-marker-line.hr-marker-${kind}`)).not.toBeNull();
    }
    expect(screen.queryAllByTestId('reap-marker')).toHaveLength(0);
    // The newest is labelled in words; the "Last reap" line skips kinds that freed nothing.
    expect([...document.querySelectorAll('.hr-marker-text')].map((e) => e.textContent)).toEqual(['Auto-reap: leaky \u2212512.0 MiB', 'Recovered in 420 ms']);
    expect(screen.getByTestId('last-reap').textContent).toBe('Last reap: leaky \u2212512.0 MiB \u00B7 Recovered in 420 ms');
    expect(screen.getByLabelText('Guard warning marker: Guard warning: leaky')).toBeTruthy();
  });

  it('words: a warning shows no freed bytes, a reap keeps its old label, a marker without detail is titled by its words', () => {
    expect(markerText({ ...base, kind: 'warning', freedBytes: 0 })).toBe('Guard warning: leaky');
    expect(markerText(base)).toBe('leaky \u22122.1 GiB');
    expect(markerTitle(base)).toBe('leaky \u22122.1 GiB');
    expect(markerTitle({ ...base, kind: 'oom-kill', detail: 'Kernel OOM killer ended python3' })).toBe('Kernel OOM killer ended python3');
  });

  it('words: a label with bidi controls is isolated and shows them as codes; a detail quoting it shows them as codes', () => {
    const evil = { ...base, label: '\u202Eexoferif' };
    expect(markerText(evil)).toBe('\u2068\u27e8U+202E\u27e9exoferif\u2069 \u22122.1 GiB');
    expect(markerTitle({ ...evil, detail: 'Reaped \u202Eexoferif' })).toBe('Reaped \u27e8U+202E\u27e9exoferif');
    expect(eventLine({ ...evil, kind: 'warning', detail: '' })).toBe('The guard warned about \u2068\u27e8U+202E\u27e9exoferif\u2069');
  });
});

describe('guard wording', () => {
  it('names each mode; a window in whole seconds reads "2 s"', () => {
    expect(guardModeInWords(makeGuard())).toBe('Guard: PSI triggers, 2 s window');
    expect(guardModeInWords(makeGuard({ windowMs: 500 }))).toBe('Guard: PSI triggers, 500 ms window');
    expect(guardModeInWords(null)).toBe('Guard: not reported');
  });

  it('hides the banner while calm, and blames no one when no app stands out', () => {
    expect(guardBannerWords(makeGuard(), false)).toBeNull();
    expect(guardBannerWords(null, true)).toBeNull();
    const anonymous = guardBannerWords(makeGuard({ phase: 'warning', pressure: { some: 25, full: 2 } }), true)!;
    expect(anonymous.kind).toBe('alert');
    expect(anonymous.headline).toBe('Memory pressure is high');
    expect(anonymous.reason).toBe('No app stands out as the cause.');
    expect(anonymous.action).toBe('Auto-reap is on, but no app can be blamed for this pressure.');
    expect(anonymous.culprit).toBeNull();
  });

  it('reports a failed auto-reap as tried, not done', () => {
    const culprit = makeCulprit();
    const failed = makeResult({ ok: false, method: null, freedBytes: 0, mreleaseMs: null, goneMs: null, memoryBackMs: null, error: { code: 'CHANGED', message: 'gone' } });
    const words = guardBannerWords(makeGuard({ last: { time: T0, event: 'reap', pressure: { some: 50, full: 30 }, culprit, results: [failed] } }), true)!;
    expect(words.headline).toBe('Auto-reap tried to end leaky: Not reaped: the process exited or changed \u2014 refresh and try again.');
  });
});
