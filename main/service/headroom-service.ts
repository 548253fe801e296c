/**
 * The service both shells host: it owns the sampler loop, the reaper and the settings, answers every
 * contract call and pushes the contract's events. It knows nothing about transports.
 */
import { userInfo } from 'node:os';
import type { EventData, HeadroomHandlers } from '../../contract/api';
import type { EventName } from '../../contract/channels';
import type { ReapMarker } from '../../contract/history';
import type { ReapRequest, ReapResponse } from '../../contract/reap';
import type { Settings, SettingsState } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import type { Status } from '../../contract/status';
import type { CodePagesReport } from '../../native/code-pages';
import { createGuard } from '../guard';
import { createRecorder, type Recorder } from '../recorder';
import { createDefaultLoop, createDefaultReaper } from './default-parts';
import { applyFootprintLimits, scheduleCodePagesDrop } from './footprint';
import { markerForReap } from './reap-marker';
import { primeReapBaseline, readReapBaseline, watchRecovery } from './recovery';
import type { HeadroomService, HeadroomServiceOptions, ReapServiceLike, SamplerLoopLike } from './types';
import { statusWarnings } from './warnings';

/** Reap markers kept for the chart; older ones have long scrolled off the longest window. */
const MAX_MARKERS = 200;
/** The share of the freed memory that has to be back before the recovery clock stops. */
const RECOVERED_SHARE = 0.9;

export interface HeadroomServiceParts {
  /** The sampler loop; default: the real one from main/sampler. */
  loop?: SamplerLoopLike;
  /** The reaper; default: the real one from main/reaper, with this service's settings. */
  reaper?: ReapServiceLike;
  /** How long to wait for a reap's memory to come back (default 30 s). */
  recoveryTimeoutMs?: number;
  /** The flight recorder; default: the real one in $XDG_STATE_HOME/headroom; null: none. */
  recorder?: Recorder | null;
  /** How long after start, and after a window's first call, the executable's cold pages are unmapped (default 60 s; footprint.ts). */
  codePagesDropAfterMs?: number;
  /** Told of each such unmapping and what it followed (for tests and benchmarks). */
  onCodePagesDropped?: (report: CodePagesReport, after: 'start' | 'window') => void;
}

/** A HeadroomService extended with what only the hosting shell may trigger. */
export interface HostedHeadroomService extends HeadroomService {
  /** Ask the window to open the reap confirmation for this app (e.g. from a pressure notification). */
  promptReap(appId: string): void;
  /** The status as it is now. */
  status(): Status;
}

/** The points of history the ring buffers keep for these settings. */
export function historyLengthFor(settings: Settings): number {
  return Math.max(1, Math.ceil((settings.historyMinutes * 60_000) / settings.intervalMs));
}

/** Create the service; call `start()` to begin sampling and `close()` to stop it and the helper. */
export function createHeadroomService(options: HeadroomServiceOptions & HeadroomServiceParts): HostedHeadroomService {
  // Before any worker thread starts (footprint.ts).
  applyFootprintLimits();
  let cancelCodeDrop = (): void => {};
  let cancelWindowCodeDrop: (() => void) | null = null;
  const store = options.settings;
  let settingsState: SettingsState = store.get();
  const loop = options.loop ?? createDefaultLoop(settingsState.settings.intervalMs, historyLengthFor(settingsState.settings));
  const reaper =
    options.reaper ??
    createDefaultReaper({
      sessionCritical: () => settingsState.settings.sessionCritical,
      endGraceMs: () => settingsState.settings.endGraceMs,
    });
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 30_000;
  const recorder = options.recorder !== undefined ? options.recorder : createRecorder({ retentionHours: settingsState.settings.recorderRetentionHours, maxMiB: settingsState.settings.recorderMaxMiB });
  const listeners = new Map<EventName, Set<(data: unknown) => void>>();
  const markers: ReapMarker[] = [];
  const recoveryAbort = new AbortController();
  const user = currentUserName();
  let started = false;
  let paused = false;
  let closed = false;
  let lastStatusKey = '';
  let lastStatusSampleMs: number | null = null;
  const guard = createGuard({ settings: () => settingsState.settings, reaper, sampling: loop, onState: (state) => emit('guard', state), addMarker });

  function emit<E extends EventName>(event: E, data: EventData<E>): void {
    for (const listener of listeners.get(event) ?? []) {
      try {
        listener(data);
      } catch (err) {
        // One broken listener (a closed window, a dead socket) must not stop the others.
        process.stderr.write(`headroom: a '${event}' listener failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  function status(): Status {
    const snapshot = loop.latest();
    const privilege = reaper.privilege();
    return {
      features: snapshot?.features ?? unknownFeatures(),
      privilege,
      uid: process.getuid?.() ?? 0,
      user,
      shell: options.shell,
      paused,
      intervalMs: settingsState.settings.intervalMs,
      sampleMs: loop.medianSampleMs(),
      recorder: recorder?.status() ?? null,
      killers: recorder?.killers() ?? [],
      warnings: statusWarnings(snapshot?.features ?? null, privilege, settingsState.warning),
    };
  }

  /**
   * Emit 'status' when anything but the sampler cost changed; the cost alone is re-sent only when it
   * moved by more than 20 %, so the status bar stays current without a status event every tick.
   */
  function maybeEmitStatus(force = false): void {
    const current = status();
    const key = JSON.stringify({ ...current, sampleMs: null });
    const costMoved =
      current.sampleMs !== null &&
      (lastStatusSampleMs === null || Math.abs(current.sampleMs - lastStatusSampleMs) > 0.2 * lastStatusSampleMs);
    if (force || key !== lastStatusKey || costMoved) {
      lastStatusKey = key;
      lastStatusSampleMs = current.sampleMs;
      emit('status', current);
    }
  }

  function onTick(snapshot: Snapshot): void {
    guard.observe(snapshot);
    recorder?.tick(snapshot);
    emit('snapshot', snapshot);
    maybeEmitStatus();
  }

  function applySettings(settings: Settings): void {
    loop.setIntervalMs(guard.intervalMs(settings.intervalMs));
    loop.setHistoryLength(historyLengthFor(settings));
    recorder?.setLimits(settings.recorderRetentionHours, settings.recorderMaxMiB);
    // The guard may reap at any moment: it must not wait for the reap worker to load (in-process.ts).
    if (settings.autoReap) warmReap();
    // The reaper reads sessionCritical and endGraceMs through closures over settingsState.
  }

  /**
   * A window's first call. Its start-up (zod and the contract's schemas, the socket's and the encoder's
   * first runs) maps executable pages that its steady state does not use again: unmap them once more,
   * a minute later, as after the service's own start (footprint.ts). Once per process.
   */
  function windowSeen(): void {
    if (cancelWindowCodeDrop !== null || !started || closed) return;
    cancelWindowCodeDrop = scheduleCodePagesDrop(options.codePagesDropAfterMs, (report) => options.onCodePagesDropped?.(report, 'window'));
  }

  /** A reap may come soon: load the worker and run the reap path's first-time work now (recovery.ts, reaper/service.ts). */
  function warmReap(): void {
    reaper.warm?.();
    primeReapBaseline();
  }

  function addMarker(marker: ReapMarker): void {
    markers.push(marker);
    if (markers.length > MAX_MARKERS) markers.splice(0, markers.length - MAX_MARKERS);
    recorder?.event(marker);
    emit('markers', [...markers]);
  }

  async function reap(request: ReapRequest): Promise<ReapResponse> {
    const snapshotBefore = loop.latest();
    // The baseline must never stop a reap: without /proc/meminfo the marker just has no recovery time.
    let memAvailableBefore: number | null = null;
    let baselineBytes: number | null = null;
    try {
      const baseline = readReapBaseline();
      memAvailableBefore = baseline.memAvailableBytes;
      baselineBytes = baseline.availableNowBytes;
    } catch (err) {
      process.stderr.write(`headroom: cannot measure recovery: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    const response = await reaper.reap(request);
    const marker = markerForReap(response.results, snapshotBefore, memAvailableBefore ?? 0);
    if (marker) {
      addMarker(marker);
      if (baselineBytes !== null) {
        void watchRecovery(
          { baselineBytes, targetBytes: RECOVERED_SHARE * marker.freedBytes, startTime: marker.time },
          100,
          recoveryTimeoutMs,
          recoveryAbort.signal,
        ).then((recoveredMs) => {
          const index = markers.indexOf(marker);
          if (recoveredMs === null || closed || index === -1) return;
          // A new object: arrays already handed to listeners keep what they were given.
          markers[index] = { ...marker, recoveredMs };
          recorder?.event(markers[index]);
          emit('markers', [...markers]);
        });
      }
    }
    return response;
  }

  const handlers: HeadroomHandlers = {
    getSnapshot: () => {
      // A window asks for the snapshot first thing: from now on a Reap click may come (in-process.ts).
      warmReap();
      windowSeen();
      return loop.latest();
    },
    getHistory: (query) => {
      const memory = { intervalMs: settingsState.settings.intervalMs, points: loop.history(), markers: [...markers] };
      return recorder ? recorder.history(query, memory) : memory;
    },
    getStatus: () => status(),
    reap: (params) => reap(params),
    getSettings: () => settingsState,
    setSettings: (patch) => {
      settingsState = store.update(patch);
      applySettings(settingsState.settings);
      emit('settings', settingsState);
      maybeEmitStatus();
      return settingsState;
    },
    getGuard: () => guard.state(),
    setPaused: ({ paused: wantPaused }) => {
      if (wantPaused !== paused) {
        paused = wantPaused;
        // A paused guard does not watch: it lets the per-user lock go (a headless guard may act) and
        // says so in its state; it takes the lock again at the first snapshot after resume.
        guard.setPaused(paused);
        if (started) {
          if (paused) loop.stop();
          else loop.start();
        }
      }
      maybeEmitStatus();
      return status();
    },
  };

  const unsubscribeTick = loop.onSnapshot(onTick);
  const unsubscribePrivilege = reaper.onPrivilegeChange(() => maybeEmitStatus());
  // Kills by others (kernel OOM, systemd-oomd) become markers like any reap.
  recorder?.onKill((kill) => addMarker(kill));

  return {
    handlers,
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = listener as (data: unknown) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
    start() {
      if (started || closed) return;
      started = true;
      applySettings(settingsState.settings);
      guard.start();
      recorder?.start();
      if (!paused) loop.start();
      cancelCodeDrop = scheduleCodePagesDrop(options.codePagesDropAfterMs, (report) => options.onCodePagesDropped?.(report, 'start'));
    },
    async close() {
      if (closed) return;
      closed = true;
      cancelCodeDrop();
      cancelWindowCodeDrop?.();
      recoveryAbort.abort();
      guard.close();
      loop.stop();
      unsubscribeTick();
      recorder?.close();
      if (typeof unsubscribePrivilege === 'function') unsubscribePrivilege();
      listeners.clear();
      await reaper.close();
    },
    promptReap(appId: string) {
      emit('reapPrompt', { appId });
    },
    status,
  };
}

function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (e.g. a container): show the number.
    return String(process.getuid?.() ?? '?');
  }
}

/** Features before the first tick: nothing known yet, so nothing claimed. */
function unknownFeatures(): Status['features'] {
  return {
    psi: false,
    cgroupV2Mount: null,
    pidfd: false,
    processMrelease: false,
    cgroupKill: false,
    hidepid: false,
    kernel: '',
  };
}
