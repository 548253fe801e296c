/**
 * The window: loads status, settings, history and the latest snapshot, then follows the live
 * events. Holds the state every part shares (snapshot, graph series, markers, settings, status)
 * and the reap flow: confirmation → call('reap') → the result in plain words.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { displayName } from '../contract/display-name';
import type { HeadroomClient } from '../contract/api';
import { historyPointOf, type ReapMarker } from '../contract/history';
import type { ReapMode, ReapRequestInput, ReapResult } from '../contract/reap';
import type { SettingsPatch, SettingsState } from '../contract/settings';
import type { Snapshot } from '../contract/snapshot';
import { SETTING_DEFAULTS } from '../contract/plain';
import type { Status } from '../contract/status';
import { AppsTable } from './components/AppsTable';
import { Charts } from './components/Charts';
import { EventList } from './components/EventList';
import { GuardBanner } from './components/GuardBanner';
import { HeaderBar } from './components/HeaderBar';
import { MomentScrubber } from './components/MomentScrubber';
import { RangeSelector } from './components/RangeSelector';
import { ReapDialog } from './components/ReapDialog';
import { ResultRegion, type Outcome } from './components/ResultRegion';
import { SettingsPanel } from './components/SettingsPanel';
import { StatusBar } from './components/StatusBar';
import { describeCallFailure, describeReapResults, describeSomeResults } from './format/reap-result';
import { formatBytes, formatPct } from './format/units';
import { appSubject, processSubject, subjectKey, type ReapSubject } from './state/reap-subject';
import type { TableRow } from './state/rows';
import { useGuard } from './state/useGuard';
import { appendPoint, chartPointOf, seriesCapacity, type ChartPoint } from './state/series';
import { measureAndForget } from './state/perf-measure';
import { createVisibleBatch } from './state/visible-batch';
import { useRecordedHistory } from './state/useRecordedHistory';
import { alwaysOpen, type Connection, type ConnectionState } from './transport/connection';

export interface AppProps {
  client: HeadroomClient;
  connection?: Connection;
}

const DEFAULT_WINDOW_MS = 300_000;
const UPDATE_MARK = 'hr:update:start';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The whole window. */
export function App({ client, connection: givenConnection }: AppProps) {
  const connection = useMemo(() => givenConnection ?? alwaysOpen(), [givenConnection]);
  const [status, setStatus] = useState<Status | null>(null);
  const [settingsState, setSettingsState] = useState<SettingsState | null>(null);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [series, setSeries] = useState<readonly ChartPoint[]>([]);
  const [markers, setMarkers] = useState<readonly ReapMarker[]>([]);
  const [historyIntervalMs, setHistoryIntervalMs] = useState(1000);
  const [windowMs, setWindowMs] = useState(DEFAULT_WINDOW_MS);
  const [subject, setSubject] = useState<ReapSubject | null>(null);
  // The confirmation open now, for the reapPrompt listener (subscribed once).
  const subjectRef = useRef<ReapSubject | null>(null);
  subjectRef.current = subject;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [linkState, setLinkState] = useState<ConnectionState>(() => connection.state());
  const [moment, setMoment] = useState<number | null>(null);

  const settings = settingsState?.settings ?? null;
  const intervalMs = snapshot?.intervalMs ?? status?.intervalMs ?? historyIntervalMs;
  const capacity = seriesCapacity(settings?.historyMinutes ?? 10, intervalMs);
  const capacityRef = useRef(capacity);
  capacityRef.current = capacity;
  const snapshotRef = useRef(snapshot);
  snapshotRef.current = snapshot;
  // The newest snapshot received, rendered or not (a hidden window holds it back until shown).
  const receivedRef = useRef<Snapshot | null>(null);
  // A mark is waiting for its measure (cheaper than asking the performance timeline every update).
  const markPending = useRef(false);

  const load = useCallback(async () => {
    const [st, se, hi, sn] = await Promise.allSettled([
      client.call('getStatus', {}),
      client.call('getSettings', {}),
      client.call('getHistory', {}),
      client.call('getSnapshot', {}),
    ]);
    const failures: string[] = [];
    if (st.status === 'fulfilled') setStatus(st.value);
    else failures.push(`status (${errorText(st.reason)})`);
    if (se.status === 'fulfilled') setSettingsState(se.value);
    else failures.push(`settings (${errorText(se.reason)})`);
    if (hi.status === 'fulfilled') {
      const history = hi.value;
      const loaded = history.points.map(chartPointOf);
      // Keep live points that arrived while the history was on its way.
      setSeries((live) => {
        const lastLoaded = loaded[loaded.length - 1]?.t ?? -1;
        let merged = loaded.slice(Math.max(0, loaded.length - capacityRef.current)) as readonly ChartPoint[];
        for (const p of live) if (p.t > lastLoaded) merged = appendPoint(merged, p, capacityRef.current);
        return merged;
      });
      setMarkers(history.markers);
      setHistoryIntervalMs(history.intervalMs);
    } else failures.push(`history (${errorText(hi.reason)})`);
    if (sn.status === 'fulfilled') {
      const s = sn.value;
      if (s) setSnapshot((prev) => (prev && prev.seq >= s.seq && prev.time >= s.time ? prev : s));
    } else failures.push(`snapshot (${errorText(sn.reason)})`);
    setLoadError(failures.length > 0 ? `Could not load ${failures.join(', ')}.` : null);
  }, [client]);

  // Subscribe first, then load, so nothing that happens in between is missed.
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    // Nothing rendered while the window is hidden; everything at once when it is shown (state/visible-batch.ts).
    let arrived: Snapshot | null = null;
    let points: ChartPoint[] = [];
    const batch = createVisibleBatch(() => {
      const [s, ps] = [arrived, points];
      [arrived, points] = [null, []];
      if (s) setSnapshot(s);
      if (ps.length > 0) setSeries((prev) => ps.reduce((series, p) => appendPoint(series, p, capacityRef.current), prev));
    });
    signal.addEventListener('abort', () => batch.close(), { once: true });
    client.subscribe(
      'snapshot',
      (s) => {
        if (!markPending.current) performance.mark(UPDATE_MARK);
        markPending.current = true;
        arrived = s;
        receivedRef.current = s;
        points.push(chartPointOf(historyPointOf(s)));
        if (points.length > capacityRef.current) points.shift();
        batch.request();
      },
      signal,
    );
    client.subscribe('status', setStatus, signal);
    client.subscribe('markers', setMarkers, signal);
    client.subscribe('settings', setSettingsState, signal);
    client.subscribe(
      'reapPrompt',
      ({ appId }) => {
        const [rendered, received] = [snapshotRef.current, receivedRef.current];
        const s = received && (!rendered || received.time >= rendered.time) ? received : rendered;
        const app = s?.apps.find((a) => a.id === appId);
        if (!s || !app) {
          setOutcome({ tone: 'failure', text: 'That app is no longer running.', notes: [] });
          return;
        }
        const open = subjectRef.current;
        if (open) {
          // Never change an open confirmation under the person's cursor (nor carry its session-critical
          // tick over to another app): the open one stays, and they are told why nothing else opened.
          if (open.kind !== 'app' || open.name !== app.name) {
            setOutcome({ tone: 'failure', text: `A confirmation for ${displayName(open.name)} is open: cancel it first to reap ${displayName(app.name)}.`, notes: [] });
          }
          return;
        }
        setSubject(appSubject(app, s.processes.filter((p) => p.appId === appId), 'kill'));
      },
      signal,
    );
    void load();
    return () => controller.abort();
  }, [client, load]);

  // Reload after a reconnect: events were missed while the link was down.
  useEffect(() => {
    let previous = connection.state();
    setLinkState(previous);
    return connection.onChange((next) => {
      setLinkState(next);
      // The first connection needs no reload: the initial calls were queued until it opened.
      if (next === 'open' && (previous === 'reconnecting' || previous === 'unauthorized')) void load();
      previous = next;
    });
  }, [connection, load]);

  const guard = useGuard(client, connection);

  // The benchmark reads "hr:update": from the snapshot event to React having committed its render.
  useEffect(() => {
    if (!snapshot || !markPending.current) return;
    markPending.current = false;
    measureAndForget('hr:update', UPDATE_MARK);
  }, [snapshot?.seq]);

  const openReap = useCallback((row: TableRow, mode: ReapMode) => {
    setSubject(row.kind === 'app' ? appSubject(row.app, row.processes, mode) : processSubject(row.process, mode));
  }, []);

  const confirmReap = useCallback(
    async (requests: ReapRequestInput[]) => {
      const current = subject;
      setSubject(null);
      if (!current) return;
      setOutcome({ tone: 'pending', text: `${current.mode === 'kill' ? 'Reaping' : 'Ending'} ${displayName(current.name)}\u2026`, notes: [] });
      const results: ReapResult[] = [];
      let done = 0;
      try {
        for (const request of requests) {
          results.push(...(await client.call('reap', request)).results);
          done++;
        }
        setOutcome(describeReapResults(results));
      } catch (e) {
        const remaining = requests.slice(done).reduce((n, r) => n + r.targets.length, 0);
        setOutcome(results.length > 0 ? describeSomeResults(results, e, remaining) : describeCallFailure(e));
      }
    },
    [client, subject],
  );

  const togglePause = useCallback(async () => {
    if (!status) return;
    try {
      setStatus(await client.call('setPaused', { paused: !status.paused }));
    } catch (e) {
      setOutcome({ tone: 'failure', text: `Could not ${status.paused ? 'resume' : 'pause'} sampling: ${errorText(e)}`, notes: [] });
    }
  }, [client, status]);

  const saveSettings = useCallback(
    async (patch: SettingsPatch) => {
      setSettingsState(await client.call('setSettings', patch));
    },
    [client],
  );

  const closeSettings = useCallback(() => setSettingsOpen(false), []);
  const openSettings = useCallback(() => setSettingsOpen(true), []);
  const cancelReap = useCallback(() => setSubject(null), []);
  const dismissOutcome = useCallback(() => setOutcome(null), []);

  const psiAvailable = snapshot ? snapshot.psi !== null : (status?.features.psi ?? true);
  const memory = snapshot?.memory;
  const memPsi = snapshot?.psi?.memory;
  // The flight recorder fills the charts beyond the live series (and on start); see useRecordedHistory.
  const liveSpanMs = (settings?.historyMinutes ?? 10) * 60_000;
  const recorded = useRecordedHistory({ client, recorder: status?.recorder, rangeMs: windowMs, liveSpanMs, liveSeries: series, liveMarkers: markers });
  const newestT = recorded.series[recorded.series.length - 1]?.t ?? 0;

  return (
    <div className="hr-app">
      <HeaderBar
        summary={
          memory
            ? `${formatBytes(memory.availableBytes)} available of ${formatBytes(memory.totalBytes)}` +
              (memPsi ? ` \u00B7 pressure some ${formatPct(memPsi.some.avg10)}, full ${formatPct(memPsi.full?.avg10 ?? 0)} (avg10)` : '')
            : ''
        }
        paused={status ? status.paused : null}
        onTogglePause={togglePause}
        canOpenSettings={settings !== null}
        onOpenSettings={openSettings}
      />
      <GuardBanner guard={guard} snapshot={snapshot} autoReap={settings?.autoReap ?? false} onReap={openReap} />
      <ResultRegion outcome={outcome} onDismiss={dismissOutcome} />
      <main className="hr-main">
        <Charts
          series={recorded.series}
          markers={recorded.markers}
          windowControl={<RangeSelector rangeMs={windowMs} onChange={setWindowMs} liveSpanMs={liveSpanMs} recorderOn={recorded.recorderOn} loading={recorded.loading} />}
          cursorTime={moment}
          windowMs={windowMs}
          onWindowChange={setWindowMs}
          warnSomePct={settings?.guardWarnSomePct ?? SETTING_DEFAULTS.guardWarnSomePct}
          actFullPct={settings?.guardActFullPct ?? SETTING_DEFAULTS.guardActFullPct}
          autoReap={settings?.autoReap ?? SETTING_DEFAULTS.autoReap}
          psiAvailable={psiAvailable}
          intervalMs={intervalMs}
        />
        <div className="hr-lookback">
          <MomentScrubber series={recorded.series} markers={recorded.markers} windowMs={windowMs} intervalMs={intervalMs} moment={moment} onMoment={setMoment} />
          <EventList markers={recorded.markers} from={newestT - windowMs} to={newestT + intervalMs} onSelect={setMoment} />
        </div>
        {snapshot ? (
          <AppsTable snapshot={snapshot} onReap={openReap} />
        ) : series.length > 0 ? (
          // The charts say it when there is nothing at all; say it here once they have history.
          <p className="hr-placeholder">Waiting for the first sample&hellip;</p>
        ) : null}
      </main>
      <StatusBar status={status} connection={linkState} settingsWarning={settingsState?.warning ?? null} loadError={loadError ?? recorded.error} guard={guard} />
      {/* Keyed by its subject: a dialog's state (the session-critical tick) never outlives what it confirmed. */}
      {subject ? <ReapDialog key={subjectKey(subject)} subject={subject} status={status} settings={settings} onCancel={cancelReap} onConfirm={confirmReap} /> : null}
      {settingsOpen && settings ? <SettingsPanel settings={settings} onSave={saveSettings} onClose={closeSettings} /> : null}
    </div>
  );
}
