/**
 * The pressure guard: one object the window's service and `headroom guard` both host.
 *
 *   PSI trigger wait ──fired──▶ sampleNow() + fast sampling (250 ms)
 *   sampler tick ──snapshot──▶ observe(): system some/full share over the last ≥ 1 s (totalUs deltas)
 *                              → attribution (attribution.ts) → episode step (episode.ts)
 *                              → warning / would-reap / reap (reaper, async) / calm
 *                              → events, chart markers, state for the window
 *
 * Detection never blocks here: the trigger wait runs poll(2) on a libuv pool thread (trigger-watch.ts), the sampler reads /proc on its
 * worker, the reap runs on the reaper's worker (or the privileged helper). A reap (reap-culprit.ts)
 * goes through the same PID-reuse-safe path as a manual one; a culprit that exited or whose group
 * vanished gets results saying so and nothing is sent. Only the holder of the per-user lock
 * (lock.ts) reaps; a paused guard (the window's sampling paused) lets the lock go, since it no longer watches.
 *
 * Never a bystander: the guard acts only on the ranking's first app. When that app cannot be acted
 * on (avoid list, session-critical, another user's…) or the evidence conflicts (attribution.ts: a
 * stalled app that does not grow while another grows fast), it warns naming the likely cause and
 * says why nothing is reaped; it never falls through to the next app.
 *
 * Time: shares run on the snapshots' wall-clock times; when that clock steps back (NTP, `date -s`),
 * the guard drops its measurement history (it rebuilds within a second or two). The episode's
 * streaks and the cooldown run on the system's monotonic clock (monotonicMs), which no step moves:
 * on the wall clock a step forward cut the cooldown short (found by review). The retry and fire
 * timers are monotonic too. Evidence does not outlive a gap in watching: after a pause, or a gap of
 * over EVIDENCE_GAP_MS between snapshots, the measurements, the ranking's history and the episode's
 * streaks start again (the cooldown stays), so pressure seen before the gap never counts towards
 * the sustain period after it.
 *
 * One reap at a time, decided and sent on the same tick: a decision while a reap is in flight is
 * dropped (it had been queued, and went ahead after auto-reap was turned off or the app put on the
 * avoid list meanwhile: found by review), and just before sending, the guard checks again that it
 * may act and that the culprit still leads.
 */
import type { Culprit, GuardEvent, GuardPressure, GuardState } from '../../contract/guard';
import type { ReapMarker } from '../../contract/history';
import { DEFAULT_SESSION_CRITICAL } from '../../contract/session-critical';
import type { Settings } from '../../contract/settings';
import type { Snapshot } from '../../contract/snapshot';
import type { MemoryLimit } from '../../native/cgroup';
import { selfAndAncestors } from '../../native/proc';
import { markerForReap } from '../service/reap-marker';
import type { ReapServiceLike } from '../service/types';
import { Attribution, type ActionPolicy, type EvidenceConflict } from './attribution';
import { CALM_MS, Episode, FAST_INTERVAL_MS, type EpisodeAction } from './episode';
import { GuardLock, monotonicMs } from './lock';
import { reapCulprit } from './reap-culprit';
import type { TriggerOptions } from './trigger-messages';
import { TriggerWatch } from './trigger-watch';

/** The sampling interval while an episode is open (defined with the episode, whose tick credit it bounds). */
export { FAST_INTERVAL_MS };
const SHARE_SPAN_MS = 1000;
const LOCK_RETRY_MS = 2000;
/** A longer gap between snapshots (a pause, a stopped sampler) ends the evidence gathered before it. */
export const EVIDENCE_GAP_MS = 15_000;

/** The person's session-critical names and the built-in ones (contract/session-critical.ts), once each. */
function withBuiltIn(names: readonly string[]): string[] {
  return [...new Set([...names, ...DEFAULT_SESSION_CRITICAL])];
}

/** How the guard drives the sampler. */
export interface GuardSampling {
  setIntervalMs(ms: number): void;
  /** Take a sample now (next tick at once); optional: without it the guard waits for the next tick. */
  sampleNow?(): void;
}

export interface GuardOptions {
  settings: () => Settings;
  reaper: Pick<ReapServiceLike, 'reap' | 'privilege'>;
  sampling: GuardSampling;
  onState?: (state: GuardState) => void;
  onEvent?: (event: GuardEvent) => void;
  addMarker?: (marker: ReapMarker) => void;
  lock?: GuardLock;
  /** Trigger options (windows to try, paths); false: no triggers, poll the sampler's snapshots. */
  triggers?: Partial<TriggerOptions> | false;
  /**
   * Called once when the trigger watch finds no PSI at all (the guard cannot work here). A single
   * snapshot without PSI is not this: the mode shows `unavailable` until PSI reads again.
   */
  onUnavailable?: (note: string) => void;
  /** The memory-limited groups of a process, for the conflict rule (attribution.ts); default native/cgroup.ts memoryLimitsOf. */
  memoryLimitsOf?: (pid: number) => MemoryLimit[];
  /**
   * The guard's clock when it observes `snapshot`, in ms: default monotonicMs() (see the file
   * comment). Tests that feed snapshots with made-up times in a burst give one that follows them.
   */
  clockAt?: (snapshot: Snapshot) => number;
}

/** A running guard. */
export interface Guard {
  start(): void;
  /** Feed every sampler snapshot. */
  observe(snapshot: Snapshot): void;
  state(): GuardState;
  /** The interval the sampler should run at, given the settings' one. */
  intervalMs(normalMs: number): number;
  close(): void;
  /** Resolves when no reap is in flight. */
  idle(): Promise<void>;
  /**
   * Sampling paused (true) or resumed: while paused the guard does not watch, so it releases the
   * per-user lock (another guard may act) and says so; it takes the lock again at the first snapshot after.
   */
  setPaused(paused: boolean): void;
}

/** Create a guard; call start() to arm its triggers. */
export function createGuard(options: GuardOptions): Guard {
  const lock = options.lock ?? new GuardLock();
  const attribution = new Attribution(options.memoryLimitsOf);
  const episode = new Episode();
  let totals: Array<{ t: number; some: number; full: number }> = [];
  const ownUid = process.getuid?.() ?? 0;
  let protectedPids: ReadonlySet<number> = new Set([process.pid]);
  // The mode the trigger watch (or poll fallback) reported; a snapshot without PSI shows `unavailable`
  // over it only until PSI reads again.
  let mode: GuardState['mode'] = 'unavailable';
  let windowMs: number | null = null;
  let modeNote = 'The guard is starting.';
  let psiMissing = false;
  let paused = false;
  let lastSnapshotTime: number | null = null;
  let conflict: EvidenceConflict | null = null;
  let startedSent = false;
  let pressure: GuardPressure | null = null;
  let ranking: Culprit[] = [];
  let last: GuardEvent | null = null;
  let fast = false;
  // Monotonic (performance.now()), so a wall-clock step cannot stop the lock retries or keep sampling fast.
  let lastFireAt = -Infinity;
  let lastSampleNowAt = -Infinity;
  let lastLockTry = -Infinity;
  let stateKey = '';
  let inflight: Promise<void> = Promise.resolve();
  let reaping = false;
  let lastObservedAt: number | null = null;
  let closed = false;

  const settings = (): Settings => options.settings();
  const emitEvent = (event: GuardEvent): void => options.onEvent?.(event);

  /** The triggers' threshold: half the warn level (e.g. 10 % → 100 ms stalled per 2 s window). */
  const wantedShare = (): number => (options.triggers === false ? 0 : (options.triggers?.stallShare ?? Math.max(0.005, settings().guardWarnSomePct / 200)));
  let watchShare = 0;
  let watch: TriggerWatch | null = null;
  const makeWatch = (): TriggerWatch | null =>
    options.triggers === false
      ? null
      : new TriggerWatch(
          { ...options.triggers, stallShare: (watchShare = wantedShare()) },
          {
            mode: (m) => {
              mode = m.mode;
              windowMs = m.windowMs;
              modeNote = m.note;
              if (m.mode === 'unavailable') options.onUnavailable?.(m.note);
              if (!startedSent && (m.mode === 'trigger' || m.mode === 'poll')) {
                startedSent = true;
                emitEvent({ time: Date.now(), event: 'started', mode: m.mode, windowMs: m.windowMs!, act: settings().autoReap });
              }
              publish();
            },
            fired: () => {
              // Paused: the sampler is stopped on purpose; a trigger must not start it again.
              if (paused) return;
              lastFireAt = performance.now();
              setFast(true);
              if (performance.now() - lastSampleNowAt >= 100) {
                lastSampleNowAt = performance.now();
                options.sampling.sampleNow?.();
              }
            },
            gone: () => {
              // A group that vanished: the next snapshot no longer has the app; nothing to do.
            },
            failed: (message) => pollFromSnapshots(`PSI triggers unavailable (${message}); reading the PSI files at the sampling rate`),
          },
        );
  watch = makeWatch();

  function pollFromSnapshots(note: string): void {
    mode = 'poll';
    windowMs = settings().intervalMs;
    modeNote = note;
    if (!startedSent) {
      startedSent = true;
      emitEvent({ time: Date.now(), event: 'started', mode: 'poll', windowMs, act: settings().autoReap });
    }
    publish();
  }

  function setFast(on: boolean): void {
    if (on === fast || closed) return;
    fast = on;
    options.sampling.setIntervalMs(on ? FAST_INTERVAL_MS : settings().intervalMs);
  }

  function mayAct(): boolean {
    if (!settings().autoReap || paused) {
      lock.release();
      return false;
    }
    if (!lock.held && performance.now() - lastLockTry >= LOCK_RETRY_MS) {
      lastLockTry = performance.now();
      // Taken over from another guard: its last auto-reap starts this one's cooldown too.
      if (lock.acquire() && lock.previousReapAt !== null) episode.reapedAt(lock.previousReapAt);
    }
    return lock.held;
  }

  /** The culprit the guard may act on: the ranking's first app once it has led for the sustain period, else null. */
  const settledCulprit = (): Culprit | null => {
    const first = ranking[0];
    return episode.settled !== null && conflict === null && first?.appId === episode.settled && first.notActionable === null ? first : null;
  };

  /** This tick's leader for the episode: the ranking's first app if it may be acted on and has evidence of its own; never the next one. */
  function leaderOf(): string | null {
    const first = ranking[0];
    if (!first || conflict !== null || first.notActionable !== null || !attribution.hasEvidence(first.appId)) return null;
    return first.appId;
  }

  /** Why there is no culprit to act on although apps are ranked, else null. */
  function culpritNote(): string | null {
    if (settledCulprit() !== null || ranking.length === 0) return null;
    if (conflict) {
      const { stalled, grower } = conflict;
      return (
        `Nothing is reaped: the evidence conflicts. ${grower.name} is growing fast and is the likely cause; ` +
        `${stalled.name} stalls most but is not growing, so it is more likely losing its memory to ${grower.name} than causing the pressure. ` +
        `Auto-reap acts on neither; reap ${grower.name} by hand if it is the one.`
      );
    }
    const first = ranking[0]!;
    if (first.notActionable !== null) {
      return `Nothing is reaped: ${first.name} is the likely cause, but auto-reap may not act on it (${first.notActionable.replace(/\.$/, '')}), and it never reaps another app in its place.`;
    }
    if (!attribution.hasEvidence(first.appId)) {
      return `Nothing is reaped yet: ${first.name} leads the ranking, but its own stall or growth is still too small to act on.`;
    }
    return `No settled culprit yet: ${first.name} leads the ranking, but the guard acts only on an app that has led it with evidence of its own (stall or growth) for ${settings().guardSustainSeconds} s.`;
  }

  /** The app a warning names: the settled culprit, else the grower of a conflict, else the ranking's first. */
  const namedCulprit = (): Culprit | null => settledCulprit() ?? conflict?.grower ?? ranking[0] ?? null;

  /** Why this guard says would-reap rather than reaping. */
  function wouldReapWhy(): string {
    if (!settings().autoReap) return 'auto-reap is off here';
    if (paused) return 'this guard is paused';
    return lock.busy ? 'auto-reap is on, but another Headroom guard does the reaping' : 'auto-reap is on, but this guard cannot take the per-user lock';
  }

  function state(): GuardState {
    const autoReap = settings().autoReap;
    return {
      mode: psiMissing ? 'unavailable' : mode,
      windowMs: psiMissing ? null : windowMs,
      modeNote: psiMissing
        ? 'The last sample had no memory pressure information (PSI could not be read); the guard is blind until it reads again.'
        : modeNote,
      phase: episode.phase,
      pressure,
      culprit: settledCulprit(),
      culpritNote: culpritNote(),
      ranking,
      acting: autoReap && lock.held,
      actingNote: !autoReap
        ? null
        : paused
          ? 'Sampling is paused, so this guard is not watching: it let the per-user lock go (another Headroom guard may act) and takes it again on resume.'
          : !lock.held
            ? (lock.note ?? 'Auto-reap is on; this guard takes the per-user lock at the first pressure.')
            : null,
      last,
    };
  }

  function publish(): void {
    const s = state();
    // While calm, a culprit coming and going with small stalls is no news for the window (getGuard has it).
    const key = JSON.stringify([s.mode, s.windowMs, s.modeNote, s.phase, s.phase === 'calm' ? null : [s.culprit?.appId, s.culpritNote], s.acting, s.actingNote, s.last]);
    if (key === stateKey) return;
    stateKey = key;
    options.onState?.(s);
  }

  /** Drop the measurement history (the shares' totals, the ranking's samples): after the wall clock stepped back, or a gap. */
  function forgetMeasurements(): void {
    totals = [];
    attribution.reset();
  }

  /** A gap in watching (a pause, a stopped sampler): what was measured before it counts no more. */
  function forgetEvidence(): void {
    forgetMeasurements();
    episode.forgetStreaks();
  }

  /** System some/full share over the last ≥ 1 s; null without memory PSI. */
  function measure(snapshot: Snapshot): { since: number; pressure: GuardPressure } | null {
    const memory = snapshot.psi?.memory;
    if (!memory) return null;
    totals.push({ t: snapshot.time, some: memory.some.totalUs, full: memory.full?.totalUs ?? 0 });
    while (totals.length > 2 && totals[1]!.t <= snapshot.time - SHARE_SPAN_MS) totals.shift();
    const first = totals[0]!;
    const elapsedUs = (snapshot.time - first.t) * 1000;
    if (totals.length < 2 || elapsedUs <= 0) return null;
    const share = (delta: number): number => Math.round(Math.min(100, Math.max(0, (delta / elapsedUs) * 100)) * 10) / 10;
    return { since: first.t, pressure: { some: share(memory.some.totalUs - first.some), full: share((memory.full?.totalUs ?? 0) - first.full) } };
  }

  function marker(kind: ReapMarker['kind'], culprit: Culprit | null, snapshot: Snapshot, detail: string): ReapMarker {
    return { time: Date.now(), kind, label: culprit?.name ?? 'memory pressure', detail, freedBytes: 0, mreleaseMs: null, availableBeforeBytes: snapshot.memory.availableBytes, recoveredMs: null };
  }

  /** Whether the guard may send a reap of `culprit` now: every condition of the decision, checked again. */
  function stillMayReap(culprit: Culprit): boolean {
    return !closed && !paused && !reaping && settings().autoReap && lock.held && settledCulprit()?.appId === culprit.appId;
  }

  async function reap(culprit: Culprit, snapshot: Snapshot, at: GuardPressure): Promise<void> {
    reaping = true;
    try {
      const results = await reapCulprit(culprit, snapshot, options.reaper, ownUid);
      if (closed) return;
      const event: GuardEvent = { time: Date.now(), event: 'reap', pressure: at, culprit, results };
      last = event;
      emitEvent(event);
      const reaped = markerForReap(results, snapshot, snapshot.memory.availableBytes);
      if (reaped) options.addMarker?.({ ...reaped, kind: 'auto-reap', label: culprit.name, detail: `Auto-reaped: ${culprit.reason}` });
      publish();
    } catch (err) {
      // A listener failing must not stop the guard: it goes on watching and may reap again.
      process.stderr.write(`headroom guard: after the reap of ${culprit.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      reaping = false;
    }
  }

  function act(action: EpisodeAction, snapshot: Snapshot, at: GuardPressure): void {
    // Only a settled culprit is ever reaped or named as would-reap (episode.ts).
    const culprit = settledCulprit();
    const time = Date.now();
    if (action === 'calm') {
      emitEvent({ time, event: 'calm' });
      return;
    }
    if (action === 'warning') {
      // Settled if it could be within one more sustain period; else the likely cause, actionable or not.
      const named = namedCulprit();
      last = { time, event: 'warning', pressure: at, culprit: named };
      emitEvent(last);
      options.addMarker?.(marker('warning', named, snapshot, `Memory pressure ${at.some} % (some): ${named?.reason ?? 'no app stands out'}`));
      return;
    }
    if (!culprit) return;
    if (action === 'would-reap') {
      last = { time, event: 'would-reap', pressure: at, culprit };
      emitEvent(last);
      options.addMarker?.(marker('would-reap', culprit, snapshot, `Would reap ${culprit.name} (${wouldReapWhy()}): ${culprit.reason}`));
      return;
    }
    // One at a time, sent now or not at all (see the file comment).
    if (!stillMayReap(culprit)) return;
    if (episode.lastReap !== null) lock.recordReap(episode.lastReap);
    inflight = reap(culprit, snapshot, at);
  }

  return {
    start() {
      protectedPids = selfAndAncestors();
      if (watch) watch.start();
      else pollFromSnapshots('PSI triggers not used here; reading the PSI files at the sampling rate');
    },
    observe(snapshot) {
      if (closed) return;
      const now = options.clockAt ? options.clockAt(snapshot) : monotonicMs();
      if (lastObservedAt !== null && now - lastObservedAt > EVIDENCE_GAP_MS) forgetEvidence();
      lastObservedAt = now;
      // The wall clock stepped back: the episode runs on the monotonic clock, the shares must start again.
      if (lastSnapshotTime !== null && snapshot.time < lastSnapshotTime) forgetMeasurements();
      lastSnapshotTime = snapshot.time;
      attribution.observe(snapshot);
      if (watch && wantedShare() !== watchShare) {
        // The warn level changed in Settings: re-arm the triggers at the new threshold.
        watch.stop();
        watch = makeWatch();
        watch?.start();
      }
      // Each app group with pressure of its own gets a trigger too, under the mount the sampler found.
      watch?.setGroups(
        snapshot.apps.flatMap((a) => (a.cgroup && a.pressure ? [a.cgroup] : [])),
        snapshot.features.cgroupV2Mount,
      );
      // The lock is taken (or retried) every tick, before anything else, so acting is known at once.
      const canAct = mayAct();
      psiMissing = !snapshot.psi?.memory;
      const measured = measure(snapshot);
      if (!measured) {
        publish();
        return;
      }
      pressure = measured.pressure;
      const s = settings();
      const policy: ActionPolicy = {
        // The built-in names always count for an auto-reap, whatever the person's list says: a list
        // emptied for manual reaps must not let the guard end the display server by itself.
        sessionCritical: withBuiltIn(s.sessionCritical),
        avoid: s.autoReapAvoid,
        prefer: s.autoReapPrefer,
        protectedPids,
        ownUid,
        mayReapOthers: ownUid === 0 || options.reaper.privilege() === 'helper-ready',
      };
      ranking = attribution.rank(snapshot, policy);
      conflict = attribution.conflict();
      const leader = leaderOf();
      // On the monotonic clock: the measurement window's length carried over from the wall-clock times.
      const actions = episode.step(
        { time: now, since: now - (snapshot.time - measured.since), somePct: pressure.some, fullPct: pressure.full, leader, mayAct: canAct },
        { warnSomePct: s.guardWarnSomePct, actFullPct: s.guardActFullPct, sustainMs: s.guardSustainSeconds * 1000, cooldownMs: s.guardCooldownSeconds * 1000 },
      );
      for (const action of actions) act(action, snapshot, pressure);
      const hot = pressure.some >= s.guardWarnSomePct / 2 || performance.now() - lastFireAt < CALM_MS;
      setFast(episode.phase !== 'calm' || hot);
      publish();
    },
    state,
    intervalMs: (normalMs) => (fast ? FAST_INTERVAL_MS : normalMs),
    close() {
      closed = true;
      watch?.stop();
      lock.release();
    },
    idle: () => inflight,
    setPaused(on) {
      if (on === paused || closed) return;
      paused = on;
      // Released at once (mayAct keeps it so); on resume the next snapshot takes it without the retry wait.
      if (paused) lock.release();
      else {
        lastLockTry = -Infinity;
        // Nothing seen before the pause counts after it.
        forgetEvidence();
      }
      publish();
    },
  };
}
