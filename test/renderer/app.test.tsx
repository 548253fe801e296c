/**
 * The whole window over a recordingClient (the component boundary): initial load, live snapshots,
 * charts and reap markers, the reap flow end to end inside the window, reapPrompt, status bar,
 * pause, settings, and the absent-data states.
 */
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../contract/api';
import type { ReapMarker } from '../../contract/history';
import type { ReapResponse } from '../../contract/reap';
import type { SettingsPatch } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import type { Status } from '../../contract/status';
import { App } from '../../renderer/App';
import type { Connection, ConnectionState } from '../../renderer/transport/connection';
import { GiB, makeHistory, makeResult, makeSettingsState, makeSnapshot, makeStatus, typicalApps } from './factory';
import { recordingClient } from './recording-client';

afterEach(cleanup);

const T0 = 1_760_000_000_000;

function marker(overrides: Partial<ReapMarker> = {}): ReapMarker {
  return { time: T0 - 20_000, kind: 'reap', label: 'leaky', detail: '', freedBytes: Math.round(2.1 * GiB), mreleaseMs: 84, availableBeforeBytes: 1 * GiB, recoveredMs: 420, ...overrides };
}

interface SetupOptions {
  snapshot?: Snapshot | null;
  status?: Status;
  markers?: ReapMarker[];
  connection?: Connection;
  reap?: () => ReapResponse;
}

function setup(options: SetupOptions = {}) {
  let status = options.status ?? makeStatus('helper-installed');
  let settings = makeSettingsState();
  const client = recordingClient({
    getStatus: () => status,
    getSettings: () => settings,
    getHistory: () => makeHistory(120, T0, options.markers ?? []),
    getSnapshot: () => (options.snapshot === undefined ? makeSnapshot(typicalApps(), { time: T0, seq: 5 }) : options.snapshot),
    reap: options.reap ?? (() => ({ results: [makeResult()] })),
    setPaused: ({ paused }) => (status = { ...status, paused }),
    setSettings: (patch: SettingsPatch) => {
      if (patch.historyMinutes === 42) throw new ApiError('BAD_REQUEST', 'Bad parameters for setSettings at historyMinutes: Too big: expected number to be <=30.');
      return (settings = makeSettingsState({ ...settings.settings, ...patch }));
    },
  });
  render(<App client={client} connection={options.connection} />);
  return { client, user: userEvent.setup() };
}

async function loaded() {
  await screen.findByRole('row', { name: /leaky/ });
}

describe('App', () => {
  it('loads status, settings, history and the snapshot, then subscribes to the live events', async () => {
    const { client } = setup();
    await loaded();
    expect(client.calls.slice(0, 4).map((c) => c.name).sort()).toEqual(['getHistory', 'getSettings', 'getSnapshot', 'getStatus']);
    for (const e of ['snapshot', 'status', 'markers', 'settings', 'reapPrompt'] as const) expect(client.listenerCount(e)).toBe(1);
    expect(screen.getByLabelText('Current memory').textContent).toBe('3.5 GiB available of 16.0 GiB \u00B7 pressure some 12.5%, full 3.2% (avg10)');
    // The pressure chart (recharts), the cpu/io strip and the memory chart (plain SVG) are drawn.
    expect(document.querySelectorAll('svg.recharts-surface').length).toBe(1);
    expect(document.querySelectorAll('.hr-line-some .recharts-curve').length).toBe(1);
    const memory = screen.getByRole('img', { name: 'Memory in GiB: available, used, swap' });
    // 120 samples of history, one point per 2-s bucket at this width (about 3 px per point) on the
    // rising pressure line; the flat available-memory line is written as its two ends.
    expect(document.querySelector('.hr-line-some .recharts-curve')!.getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){55,65}$/);
    expect(memory.querySelector('.hr-line-available')!.getAttribute('d')).toMatch(/^M[\d.]+ ([\d.]+)L[\d.]+ \1$/);
    expect([...memory.querySelectorAll('.hr-tick')].map((t) => t.textContent)).toEqual(['0', '10', '20', '\u22125 min', '\u22124 min', '\u22123 min', '\u22122 min', '\u22121 min', 'now']);
    const strip = screen.getByRole('img', { name: 'cpu and io pressure, per tick' });
    expect(strip.querySelector('.hr-strip-cpu')!.getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/);
    // The newest point is the history's (the snapshot at the same time is not appended twice).
    expect(screen.getByText('cpu some 4.0%')).toBeTruthy();
  });

  it('appends live snapshots and shows their processes', async () => {
    const { client } = setup();
    await loaded();
    const measure = vi.spyOn(performance, 'measure');
    const next = makeSnapshot([...typicalApps(), { name: 'newcomer', processes: [{ pid: 5555, comm: 'newcomer', rssMiB: 5000 }] }], { time: T0 + 1000, seq: 6, availableGiB: 1.2 });
    act(() => client.emit('snapshot', next));
    expect(screen.getByRole('row', { name: /newcomer/ }).textContent).toContain('5555');
    expect(screen.getByLabelText('Current memory').textContent).toMatch(/^1\.2 GiB available/);
    // The update is measured for the benchmarks, and the measure does not stay in the page's
    // buffer (one a tick would pile up for as long as the window is open).
    expect(measure).toHaveBeenCalledWith('hr:update', 'hr:update:start');
    expect(performance.getEntriesByName('hr:update', 'measure')).toHaveLength(0);
    expect(performance.getEntriesByName('hr:update:start', 'mark')).toHaveLength(0);
    measure.mockRestore();
  });

  it('renders nothing while hidden, then every snapshot that arrived in one render when shown', async () => {
    const { client } = setup();
    await loaded();
    const available = screen.getByRole('img', { name: 'Memory in GiB: available, used, swap' }).querySelector('.hr-line-available')!;
    const before = available.getAttribute('d')!;
    const added: string[] = [];
    let changes = 0;
    const watch = new MutationObserver((records) => {
      changes += records.length;
      for (const r of records) for (const n of r.addedNodes) added.push(n.textContent ?? '');
    });
    watch.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    try {
      act(() => {
        for (let i = 1; i <= 3; i++) client.emit('snapshot', makeSnapshot([...typicalApps(), { name: `burst${i}`, processes: [{ pid: 6000 + i, comm: `burst${i}`, rssMiB: 100 * i }] }], { time: T0 + i * 1000, seq: 5 + i, availableGiB: 1 + i }));
      });
      await new Promise((r) => setTimeout(r, 20));
      // Hidden: not one DOM change — no row, no header text, no chart path.
      expect(changes).toBe(0);
      expect(screen.queryByRole('row', { name: /burst/ })).toBeNull();
      expect(screen.getByLabelText('Current memory').textContent).toMatch(/^3\.5 GiB available/);
      expect(available.getAttribute('d')).toBe(before);
    } finally {
      visibility.mockRestore();
    }
    act(() => document.dispatchEvent(new Event('visibilitychange')));
    watch.disconnect();
    expect(screen.getByRole('row', { name: /burst3/ })).toBeTruthy();
    // One render of the newest snapshot: the first two snapshots' rows never reached the DOM.
    expect(added.filter((t) => t.includes('burst1') || t.includes('burst2'))).toEqual([]);
    expect(screen.getByLabelText('Current memory').textContent).toMatch(/^4\.0 GiB available/);
    // All three points were appended: the available line gained three new points, not one.
    const after = available.getAttribute('d')!;
    expect(after.match(/[ML]/g)!.length - before.match(/[ML]/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('switches the time window with pressed buttons', async () => {
    const { user } = setup();
    await loaded();
    const group = screen.getByRole('group', { name: 'Time window' });
    expect(within(group).getByRole('button', { name: '5 min' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(within(group).getByRole('button', { name: '1 min' }));
    expect(within(group).getByRole('button', { name: '1 min' }).getAttribute('aria-pressed')).toBe('true');
    expect(within(group).getByRole('button', { name: '5 min' }).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getAllByText('\u221215 s').length).toBeGreaterThan(0);
  });

  it('reaps from the table and reports freed memory; the marker and recovery appear on the chart', async () => {
    const { client, user } = setup();
    await loaded();
    const row = screen.getByRole('row', { name: /leaky/ });
    await user.click(within(row).getByRole('button', { name: /^Reap/ }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('4242');
    await user.click(within(dialog).getByRole('button', { name: 'Reap' }));
    expect(client.callsOf('reap')).toEqual([{ targets: [{ pid: 4242, startTime: 5242 }], mode: 'kill', force: false }]);
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Freed 2.1 GiB in 84 ms (process_mrelease)'));
    expect(screen.queryByRole('dialog')).toBeNull();

    act(() => client.emit('markers', [marker({ time: T0 - 5000, recoveredMs: null })]));
    // One marker, drawn on both charts: the app and bytes on pressure, the recovery on memory.
    expect(screen.getAllByTestId('reap-marker').length).toBe(2);
    const labels = () => [...document.querySelectorAll('.hr-marker-text')].map((e) => e.textContent);
    expect(labels()).toEqual(['leaky \u22122.1 GiB', 'measuring\u2026']);
    expect(screen.getByTestId('last-reap').textContent).toBe('Last reap: leaky \u22122.1 GiB \u00B7 measuring\u2026');
    act(() => client.emit('markers', [marker({ time: T0 - 5000, recoveredMs: 1500 })]));
    expect(screen.getByTestId('last-reap').textContent).toBe('Last reap: leaky \u22122.1 GiB \u00B7 Recovered in 1.5 s');
    expect(document.querySelectorAll('.hr-recovery').length).toBeGreaterThan(0);
    // A second reap: both are marked, only the newest is labelled in words (the older keeps a tooltip).
    act(() => client.emit('markers', [marker({ time: T0 - 5000, recoveredMs: 1500 }), marker({ time: T0 - 2000, label: 'code', freedBytes: 700 * 1024 * 1024, recoveredMs: null })]));
    expect(screen.getAllByTestId('reap-marker').length).toBe(4);
    expect(labels()).toEqual(['code \u2212700.0 MiB', 'measuring\u2026']);
    expect([...document.querySelectorAll('.hr-marker title')].map((e) => e.textContent)).toContain('leaky \u22122.1 GiB');
  });

  it('shows a refused reap in plain words', async () => {
    const refused = makeResult({ ok: false, method: null, freedBytes: 0, mreleaseMs: null, goneMs: null, memoryBackMs: null, error: { code: 'CHANGED', message: 'start time differs' } });
    const { user } = setup({ reap: () => ({ results: [refused] }) });
    await loaded();
    await user.click(screen.getByRole('button', { name: /^Reap code/ }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reap' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Not reaped: the process exited or changed \u2014 refresh and try again.'));
  });

  it('opens the confirmation for a reapPrompt event naming an app in the snapshot', async () => {
    const { client } = setup();
    await loaded();
    const firefox = makeSnapshot(typicalApps()).apps.find((a) => a.name === 'firefox')!;
    act(() => client.emit('reapPrompt', { appId: firefox.id }));
    const dialog = screen.getByRole('dialog', { name: 'Reap the app firefox?' });
    expect(dialog.textContent).toContain('2001, 2002, 2003');
    act(() => within(dialog).getByRole('button', { name: 'Cancel' }).click());
    act(() => client.emit('reapPrompt', { appId: 'cg:/gone' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('That app is no longer running.');
  });

  it('never swaps an open confirmation for a reapPrompt\'s app: the session-critical tick stays with what it confirmed', async () => {
    const { client, user } = setup();
    await loaded();
    const next = makeSnapshot([...typicalApps(), { name: 'gnome-shell', processes: [{ pid: 1500, comm: 'gnome-shell', rssMiB: 300 }] }], { time: T0 + 1000, seq: 6 });
    act(() => client.emit('snapshot', next));
    const firefox = next.apps.find((a) => a.name === 'firefox')!;
    act(() => client.emit('reapPrompt', { appId: next.apps.find((a) => a.name === 'gnome-shell')!.id }));
    const dialog = screen.getByRole('dialog', { name: 'Reap the app gnome-shell?' });
    await user.click(within(dialog).getByRole('checkbox', { name: /I understand/ }));
    // A notification's Reap… for another app while this one is open.
    act(() => client.emit('reapPrompt', { appId: firefox.id }));
    expect(screen.getByRole('dialog', { name: 'Reap the app gnome-shell?' })).toBe(dialog);
    expect(screen.getByRole('status').textContent).toBe('A confirmation for gnome-shell is open: cancel it first to reap firefox.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    act(() => client.emit('reapPrompt', { appId: firefox.id }));
    const fresh = screen.getByRole('dialog', { name: 'Reap the app firefox?' });
    expect(within(fresh).queryByRole('checkbox')).toBeNull();
    await user.click(within(fresh).getByRole('button', { name: 'Reap' }));
    await waitFor(() => expect(client.callsOf('reap')).toHaveLength(1));
    expect(client.callsOf('reap')[0]).toMatchObject({ force: false, targets: firefox.pids.map((pid) => expect.objectContaining({ pid })) });
  });

  it('opens the confirmation for an app that started while the window was hidden', async () => {
    const { client } = setup();
    await loaded();
    const next = makeSnapshot([...typicalApps(), { name: 'newcomer', processes: [{ pid: 5555, comm: 'newcomer', rssMiB: 5000 }] }], { time: T0 + 1000, seq: 6 });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    try {
      act(() => client.emit('snapshot', next));
      expect(screen.queryByRole('row', { name: /newcomer/ })).toBeNull();
      // A notification's Reap… arrives before the window is shown: the app is in the snapshot received.
      act(() => client.emit('reapPrompt', { appId: next.apps.find((a) => a.name === 'newcomer')!.id }));
    } finally {
      visibility.mockRestore();
    }
    expect(screen.getByRole('dialog', { name: 'Reap the app newcomer?' }).textContent).toContain('5555');
  });

  it('shows features, sampling cost, privilege, connection and warnings in the status bar', async () => {
    const connection = stubConnection('open');
    setup({ connection: connection.connection, status: makeStatus('helper-missing', { warnings: ['cgroup v2 is not mounted: app pressure is unavailable.'] }) });
    await loaded();
    const bar = screen.getByRole('contentinfo', { name: 'Status' });
    expect(bar.textContent).toContain('PSI present');
    expect(bar.textContent).toContain('process_mrelease present');
    expect(bar.textContent).toContain('cgroup v2 present');
    expect(bar.textContent).toContain('Sampling 12 ms per tick');
    expect(bar.textContent).toContain('Privilege: own processes only \u2014 system helper not installed');
    expect(bar.textContent).toContain('cgroup v2 is not mounted');
    expect(bar.textContent).toContain('Connected');
    act(() => connection.set('reconnecting'));
    expect(bar.textContent).toContain('Disconnected \u2014 reconnecting\u2026');
  });

  it('reloads everything after a reconnect, not after the first connection', async () => {
    const connection = stubConnection('connecting');
    const { client } = setup({ connection: connection.connection });
    await loaded();
    expect(screen.getByRole('contentinfo').textContent).toContain('Connecting\u2026');
    await act(async () => connection.set('open'));
    const before = client.callsOf('getSnapshot').length;
    expect(before).toBe(1);
    act(() => connection.set('reconnecting'));
    await act(async () => connection.set('open'));
    expect(client.callsOf('getSnapshot').length).toBe(before + 1);
    expect(client.callsOf('getHistory').length).toBe(before + 1);
  });

  it('pauses and resumes sampling', async () => {
    const { client, user } = setup();
    await loaded();
    await user.click(screen.getByRole('button', { name: 'Pause sampling' }));
    expect(client.callsOf('setPaused')).toEqual([{ paused: true }]);
    await screen.findByRole('button', { name: 'Resume sampling' });
    expect(screen.getByRole('contentinfo').textContent).toContain('Sampling paused');
  });

  it('saves changed settings and shows validation errors in plain words', async () => {
    const { client, user } = setup();
    await loaded();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    const interval = within(dialog).getByLabelText('Sampling interval (ms)');
    expect(document.activeElement).toBe(interval);
    await user.clear(interval);
    await user.type(interval, '100');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(within(dialog).getByRole('alert').textContent).toMatch(/^Sampling interval: too small/);
    expect(client.callsOf('setSettings')).toEqual([]);

    await user.clear(interval);
    await user.type(interval, '500');
    const history = within(dialog).getByLabelText('History (minutes)');
    await user.clear(history);
    await user.type(history, '42');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toBe('Settings not saved \u2014 History: Too big: expected number to be <=30.');

    await user.clear(history);
    await user.type(history, '15');
    const critical = within(dialog).getByLabelText(/Session-critical processes/);
    await user.clear(critical);
    await user.type(critical, 'Xorg, gnome-shell{Enter}sway');
    await user.click(within(dialog).getByRole('checkbox', { name: /Notify me/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(client.callsOf('setSettings').at(-1)).toEqual({ intervalMs: 500, historyMinutes: 15, notifications: false, sessionCritical: ['Xorg', 'gnome-shell', 'sway'] });
  });

  it('says when PSI is missing and when no sample has arrived yet', async () => {
    const { client } = setup({ snapshot: null });
    expect(await screen.findByText('Waiting for the first sample\u2026')).toBeTruthy();
    expect(screen.queryByRole('treegrid')).toBeNull();
    act(() => client.emit('snapshot', makeSnapshot(typicalApps(), { psi: false, time: T0 + 1000, seq: 9 })));
    expect(screen.getByText('PSI not available on this kernel')).toBeTruthy();
    expect(screen.getByRole('treegrid')).toBeTruthy();
    expect(document.querySelectorAll('svg.recharts-surface').length).toBe(0);
    expect(screen.getByRole('img', { name: 'Memory in GiB: available, used, swap' })).toBeTruthy();
  });
});

function stubConnection(initial: ConnectionState) {
  let state = initial;
  const listeners = new Set<(s: ConnectionState) => void>();
  return {
    connection: {
      state: () => state,
      onChange(l: (s: ConnectionState) => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    } satisfies Connection,
    set(next: ConnectionState) {
      state = next;
      for (const l of listeners) l(next);
    },
  };
}
