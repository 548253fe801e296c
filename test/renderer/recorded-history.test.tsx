/**
 * The window with the flight recorder, over a recordingClient (the component boundary): the charts
 * filled from the recorder on start, the range selector up to 24 h asking main for a downsampled
 * range, looking back at a moment, the events in the range with their one-line explanations, the
 * fallback without a recorder, and the recorder and other killers in the status bar.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallParams } from '../../contract/api';
import { HistorySchema, type History, type ReapMarker } from '../../contract/history';
import type { Killer, RecorderStatus } from '../../contract/recorder';
import { App } from '../../renderer/App';
import { relativeTimeLabel, timeTicks } from '../../renderer/components/time-axis';
import { clockTime, mergeMarkers } from '../../renderer/format/events';
import type { ChartPoint } from '../../renderer/state/series';
import { joinSeries, refreshMsFor } from '../../renderer/state/useRecordedHistory';
import { GiB, makeHistory, makeSettingsState, makeSnapshot, makeStatus, typicalApps } from './factory';
import { recordingClient } from './recording-client';

afterEach(cleanup);

const T0 = 1_760_000_000_000;
const HOUR = 3_600_000;
const OOM_DETAIL = 'Kernel OOM killer ended python3 (PID 784, 160 MiB anon) in memory cgroup /headroom-test-784';

const RECORDING: RecorderStatus = { state: 'recording', path: '/home/alice/.local/state/headroom', bytes: 5 * 1024 * 1024, oldestTime: T0 - 20 * HOUR, message: null };

function oomMarker(time: number): ReapMarker {
  return { time, kind: 'oom-kill', label: 'python3 (PID 784)', detail: OOM_DETAIL, freedBytes: 160 * 1024 * 1024, mreleaseMs: null, availableBeforeBytes: 2 * GiB, recoveredMs: null };
}

/**
 * What the recorder answers for `sinceMs`: one point per bucket from T0 − sinceMs up to 3 min ago
 * (the previous run), each bucket's worst moment already chosen by main; memSomePct 42 marks them.
 */
function recordedRange(sinceMs: number, markers: ReapMarker[]): History {
  const points = [];
  const step = Math.max(1000, Math.ceil(sinceMs / 200 / 1000) * 1000);
  for (let t = T0 - sinceMs; t <= T0 - 180_000; t += step) {
    points.push({ t, memSomePct: 42, memFullPct: 21, memSomeAvg10: 30, memFullAvg10: 12, cpuSomePct: 3, ioSomePct: 1, availableBytes: 1 * GiB, usedBytes: 15 * GiB, swapUsedBytes: 2 * GiB, zramUsedBytes: 0 });
  }
  return HistorySchema.parse({ intervalMs: 1000, points, markers: markers.filter((m) => m.time >= T0 - sinceMs) });
}

function setup(recorder: RecorderStatus | null, killers: Killer[] = [], recordedMarkers: ReapMarker[] = [oomMarker(T0 - 3 * HOUR)]) {
  const client = recordingClient({
    getStatus: () => makeStatus('helper-installed', { recorder, killers }),
    getSettings: () => makeSettingsState(),
    getHistory: (params: CallParams<'getHistory'>) => (params.sinceMs ? recordedRange(params.sinceMs, recordedMarkers) : makeHistory(120, T0)),
    getSnapshot: () => makeSnapshot(typicalApps(), { time: T0, seq: 5 }),
  });
  render(<App client={client} />);
  return { client, user: userEvent.setup() };
}

const rangeQueries = (client: ReturnType<typeof setup>['client']) => client.callsOf('getHistory').filter((p) => (p as { sinceMs?: number }).sinceMs !== undefined);
const slider = () => screen.getByRole('slider', { name: 'Look back' }) as HTMLInputElement;

describe('The window with the flight recorder', () => {
  it('fills the charts from the recorder on start, older than the live series', async () => {
    const { client } = setup(RECORDING);
    await waitFor(() => expect(rangeQueries(client)).toEqual([{ sinceMs: 300_000, maxPoints: 1200 }]));
    // The slider reaches back the whole 5 min (values relative to the newest sample, at T0), into
    // the previous run's recorded points.
    await waitFor(() => expect(screen.getByTestId('moment').textContent).toMatch(/^Now: /));
    expect([slider().min, slider().max, slider().value]).toEqual(['-300000', '0', '0']);
    fireEvent.change(slider(), { target: { value: String(-250_000) } });
    const readout = screen.getByTestId('moment').textContent!;
    expect(readout).toContain('memory pressure some 42.0%, full 21.0% per tick');
    expect(readout).toContain('available 1.00 GiB');
    // A live moment reads the live series' figures, not the recorder's.
    fireEvent.change(slider(), { target: { value: String(-10_000) } });
    expect(screen.getByTestId('moment').textContent).not.toContain('42.0%');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Back to now' }));
    expect(screen.getByTestId('moment').textContent).toMatch(/^Now: /);
    expect(screen.getByTestId('recorder-status').textContent).toBe('Recording history to /home/alice/.local/state/headroom (5.0 MiB)');
  });

  it('offers ranges up to 24 h, asks main for a downsampled range, and lists and marks the recorded OOM kill', async () => {
    const { client, user } = setup(RECORDING);
    const group = await screen.findByRole('group', { name: 'Time window' });
    expect(within(group).getAllByRole('button').map((b) => b.textContent)).toEqual(['1 min', '5 min', '10 min', '1 h', '6 h', '24 h']);
    // Not in this range yet: the kill was 3 h ago.
    await waitFor(() => expect(screen.getByRole('heading', { name: /Events in this range/ }).textContent).toBe('Events in this range (0)'));
    await user.click(within(group).getByRole('button', { name: '24 h' }));
    expect(within(group).getByRole('button', { name: '24 h' }).getAttribute('aria-pressed')).toBe('true');
    await waitFor(() => expect(rangeQueries(client).at(-1)).toEqual({ sinceMs: 24 * HOUR, maxPoints: 1200 }));
    const events = await screen.findByRole('region', { name: 'Events in this range (1)' });
    const item = within(events).getByTestId('event');
    expect(item.textContent).toContain('Kernel OOM kill');
    expect(item.textContent).toContain(OOM_DETAIL);
    expect(item.textContent).toContain(clockTime(T0 - 3 * HOUR));
    // On the chart: the marker names the kind and victim; its tooltip is the whole explanation.
    expect([...document.querySelectorAll('.hr-marker-text')].map((e) => e.textContent)).toContain('Kernel OOM kill: python3 (PID 784) \u2212160.0 MiB');
    expect([...document.querySelectorAll('.hr-marker title')].map((e) => e.textContent)).toContain(OOM_DETAIL);
    expect(screen.getAllByText('\u22124 h').length).toBeGreaterThan(0);
    // Choosing the event looks back at that moment: its figures and the event near it.
    await user.click(within(item).getByRole('button'));
    expect(Number(slider().value)).toBe(-3 * HOUR);
    expect(screen.getByTestId('moment').textContent).toMatch(new RegExp(`^${clockTime(T0 - 3 * HOUR).slice(0, 5)}`));
    expect(within(screen.getByRole('list', { name: 'Events near this moment' })).getByText(new RegExp('Kernel OOM kill: Kernel OOM killer ended python3 \\(PID 784'))).toBeTruthy();
    expect(document.querySelector('.hr-cursor-line')).not.toBeNull();
  });

  it('refetches a long range as the live markers arrive and joins them without duplicates', async () => {
    const { client, user } = setup(RECORDING);
    const group = await screen.findByRole('group', { name: 'Time window' });
    await user.click(within(group).getByRole('button', { name: '6 h' }));
    await screen.findByRole('region', { name: 'Events in this range (1)' });
    // The same kill pushed live (as the service does) plus a new reap: two events, not three.
    const reap: ReapMarker = { time: T0 - 60_000, kind: 'reap', label: 'leaky', detail: '', freedBytes: 2 * GiB, mreleaseMs: 80, availableBeforeBytes: GiB, recoveredMs: 300 };
    act(() => client.emit('markers', [oomMarker(T0 - 3 * HOUR), reap]));
    const events = await screen.findByRole('region', { name: 'Events in this range (2)' });
    expect(within(events).getAllByTestId('event').map((e) => e.querySelector('.hr-event-kind')!.textContent)).toEqual(['Reap', 'Kernel OOM kill']);

    // 1 h is longer than the live series: asked again once per bucket (5 s), the same range each time.
    await user.click(within(group).getByRole('button', { name: '1 h' }));
    await waitFor(() => expect(rangeQueries(client).filter((q) => (q as { sinceMs: number }).sinceMs === HOUR).length).toBe(2), { timeout: 8_000 });
    // A short range is asked once and not again.
    await user.click(within(group).getByRole('button', { name: '5 min' }));
    const asked = rangeQueries(client).length;
    await new Promise((r) => setTimeout(r, 5_500));
    expect(rangeQueries(client).length).toBe(asked);
  }, 20_000);

  it('without a recorder: only the live window, longer ranges disabled with a reason, never a range query', async () => {
    const { client } = setup(null);
    const group = await screen.findByRole('group', { name: 'Time window' });
    await waitFor(() => expect(screen.getByTestId('recorder-status').textContent).toBe('History: in memory only (no recorder)'));
    for (const label of ['1 h', '6 h', '24 h']) {
      const button = within(group).getByRole('button', { name: label }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.title).toContain('needs the flight recorder');
    }
    expect((within(group).getByRole('button', { name: '10 min' }) as HTMLButtonElement).disabled).toBe(false);
    expect(rangeQueries(client)).toEqual([]);
    expect(client.callsOf('getHistory')).toEqual([{}]);
  });

  it('says in the status bar when the recorder fails or follows, and which other killers run with their thresholds', async () => {
    const killers: Killer[] = [
      { name: 'systemd-oomd', running: true, thresholds: 'kills at 60 % memory pressure for 30 s' },
      { name: 'earlyoom', running: false, thresholds: null },
    ];
    setup({ ...RECORDING, state: 'failing', message: 'the disk is full (ENOSPC)' }, killers);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Recorder failing: the disk is full (ENOSPC) \u2014 sampling goes on');
    expect(screen.getByTestId('killers').textContent).toBe(
      'Other memory killers: systemd-oomd running (kills at 60 % memory pressure for 30 s); earlyoom installed, not running',
    );
    cleanup();
    setup({ ...RECORDING, state: 'follower', message: null });
    await waitFor(() => expect(screen.getByTestId('recorder-status').textContent).toBe('History: another Headroom records it (/home/alice/.local/state/headroom)'));
    expect(screen.getByTestId('killers').textContent).toBe('Other memory killers: none found');
  });
});

describe('joining recorded and live history', () => {
  const p = (t: number, v = 1): ChartPoint => ({ t, memSomePct: v, memFullPct: v, memSomeAvg10: v, memFullAvg10: v, cpuSomePct: v, ioSomePct: v, availableGiB: 1, usedGiB: 1, swapGiB: 0, zramGiB: 0 });

  it('puts the recorded points older than the first live point before the live ones', () => {
    const live = [p(100), p(101), p(102)];
    const joined = joinSeries([p(90, 9), p(95, 9), p(100, 9), p(101, 9)], live, 20);
    expect(joined.map((x) => [x.t, x.memSomePct])).toEqual([[90, 9], [95, 9], [100, 1], [101, 1], [102, 1]]);
  });

  it('returns the live series itself when the recorder adds nothing in the range', () => {
    const live = [p(100), p(101), p(102)];
    expect(joinSeries([], live, 20)).toBe(live);
    expect(joinSeries([p(100), p(101)], live, 20)).toBe(live);
    expect(joinSeries([p(10), p(20)], live, 20)).toBe(live);
    expect(joinSeries([p(10), p(20)], [], 20).map((x) => x.t)).toEqual([10, 20]);
  });

  it('refreshes a long range once per bucket, within 5 s and 1 min', () => {
    expect(refreshMsFor(HOUR)).toBe(5_000);
    expect(refreshMsFor(6 * HOUR)).toBe(18_000);
    expect(refreshMsFor(24 * HOUR)).toBe(60_000);
  });

  it('merges markers by identity, the live copy winning', () => {
    const a = oomMarker(10);
    const live = [{ ...a }];
    expect(mergeMarkers([a], live)).toBe(live);
    const b = { ...oomMarker(5), label: 'other' };
    expect(mergeMarkers([b, a], live).map((m) => m.time)).toEqual([5, 10]);
  });

  it('labels hours on the 6 h and 24 h axes', () => {
    expect(timeTicks(24 * HOUR)).toEqual([-24 * HOUR, -20 * HOUR, -16 * HOUR, -12 * HOUR, -8 * HOUR, -4 * HOUR, 0]);
    expect(timeTicks(HOUR).length).toBe(7);
    expect([-HOUR, -90 * 60_000, -6 * HOUR].map(relativeTimeLabel)).toEqual(['\u22121 h', '\u221290 min', '\u22126 h']);
  });
});
