/**
 * The guard's episode state machine, pure: ticks in, decisions out. No clocks, no I/O.
 *
 *   calm ──some ≥ warn for sustain──▶ warning ──full ≥ act for sustain──▶ acting
 *     ▲                                  │                                  │
 *     └──── some < warn for CALM_MS ─────┴──────────────────────────────────┘
 *
 * - A settled culprit: each tick names its `leader` (the top actionable app with evidence of its own,
 *   or null); the leader is settled once the same app has led every tick for the sustain period.
 *   Early in an episode the ranking churns (a browser starting, someone's build growing, before the
 *   thrasher's own stall is measured), so nothing is ever acted on before it settles.
 * - One `warning` per episode (entering warning, or entering acting without one). It waits for a
 *   settled leader, but at most one more sustain period: then it warns anyway, naming whoever leads
 *   (the guard's `warning` carries the current ranking's first app).
 * - In acting, only with a settled leader: `reap` when this guard may act (auto-reap on and it holds
 *   the per-user lock), at most once per cooldown; otherwise one `would-reap` per episode. Without a
 *   settled leader it waits (`settled` says so) and tries again on the next ticks.
 * - `calm` ends an episode that warned; a flurry that never warned ends silently.
 * A streak starts where the tick's measurement window starts (`since`), but one tick never gives
 * more than FAST_INTERVAL_MS of credit: a share measured over one long window (a 5 s tick, or the
 * first sample after a pause) is an average that a 1 s burst can fill, so it cannot stand for the
 * whole sustain period. Pressure must then be seen again on the ticks that follow (fast sampling
 * starts at once) for the rest of the period: at least two samples, whatever the interval. A leader
 * is credited only from the previous tick (its lead began after that ranking), and by the same cap,
 * so it must lead every ranking of the sustain period.
 */

/** The sampling interval while an episode is open; also the most one tick may credit a streak with. */
export const FAST_INTERVAL_MS = 250;

/** How long pressure must stay below the warn level before the episode is over. */
export const CALM_MS = 3000;

export interface EpisodeLimits {
  warnSomePct: number;
  actFullPct: number;
  sustainMs: number;
  cooldownMs: number;
}

export interface EpisodeTick {
  time: number;
  /** Start of the interval the shares were measured over. */
  since: number;
  somePct: number;
  fullPct: number;
  /** The app id of this tick's top actionable culprit with evidence of its own, or null. */
  leader: string | null;
  /** Auto-reap on and this guard holds the lock. */
  mayAct: boolean;
}

export type EpisodeAction = 'warning' | 'would-reap' | 'reap' | 'calm';
export type Phase = 'calm' | 'warning' | 'acting';

/** One guard's episode state across ticks. */
export class Episode {
  phase: Phase = 'calm';
  private warnSince: number | null = null;
  private actSince: number | null = null;
  private calmSince: number | null = null;
  private leader: string | null = null;
  private leaderSince: number | null = null;
  private settledLeader: string | null = null;
  private lastTime: number | null = null;
  private warnDueAt: number | null = null;
  private warned = false;
  private wouldReaped = false;
  private lastReapAt: number | null = null;

  /** Feed one tick; returns what to do now, in order. */
  step(tick: EpisodeTick, limits: EpisodeLimits): EpisodeAction[] {
    const actions: EpisodeAction[] = [];
    // The earliest a streak starting now may be credited from (see the file comment).
    const from = Math.max(tick.since, tick.time - FAST_INTERVAL_MS);
    if (tick.somePct >= limits.warnSomePct) {
      this.warnSince ??= from;
      this.calmSince = null;
    } else {
      this.warnSince = null;
      this.calmSince ??= tick.time;
    }
    this.actSince = tick.fullPct >= limits.actFullPct ? (this.actSince ?? from) : null;
    if (tick.leader !== this.leader) {
      // The lead changed between the previous ranking and this one: credit it from the previous
      // tick at the earliest (one tick, 250 ms while sampling fast), never from the ≥ 1 s window start.
      this.leader = tick.leader;
      this.leaderSince = tick.leader === null ? null : Math.max(from, this.lastTime ?? from);
    }
    this.lastTime = tick.time;
    const held = (since: number | null, forMs = limits.sustainMs): boolean => since !== null && tick.time - since >= forMs;
    this.settledLeader = held(this.leaderSince) ? this.leader : null;

    const warnHeld = held(this.warnSince) || held(this.actSince);
    // Wait for a settled culprit, but not longer than one sustain period after the warning was due
    // (counted on tick times: one long measurement can make it due at once, and must not also end the wait).
    this.warnDueAt = warnHeld ? (this.warnDueAt ?? tick.time) : null;
    const waitedEnough = this.warnDueAt !== null && tick.time - this.warnDueAt >= limits.sustainMs;
    if (!this.warned && warnHeld && (this.settledLeader !== null || waitedEnough)) {
      this.warned = true;
      this.phase = 'warning';
      actions.push('warning');
    }
    // The phase leaves calm only with the warning (the window and the notification follow the phase).
    if (this.warned && held(this.actSince)) {
      this.phase = 'acting';
      if (tick.mayAct) {
        const cooled = this.lastReapAt === null || tick.time - this.lastReapAt >= limits.cooldownMs;
        if (cooled && this.settledLeader !== null) {
          this.lastReapAt = tick.time;
          actions.push('reap');
        }
      } else if (!this.wouldReaped && this.settledLeader !== null) {
        this.wouldReaped = true;
        actions.push('would-reap');
      }
    } else if (this.phase === 'acting') {
      this.phase = 'warning';
    }
    if (this.phase !== 'calm' && this.calmSince !== null && tick.time - this.calmSince >= CALM_MS && this.actSince === null) {
      this.phase = 'calm';
      this.warnSince = null;
      if (this.warned) actions.push('calm');
      this.warned = false;
      this.wouldReaped = false;
    }
    return actions;
  }

  /**
   * After a gap in watching: the streaks, the leader and the calm wait start again on the next tick;
   * the phase, the episode's warning and the cooldown stay.
   */
  forgetStreaks(): void {
    this.warnSince = null;
    this.actSince = null;
    this.calmSince = null;
    this.leader = null;
    this.leaderSince = null;
    this.settledLeader = null;
    this.lastTime = null;
    this.warnDueAt = null;
  }

  /** A reap at `time` by another guard (read from the per-user lock): the cooldown counts from it. */
  reapedAt(time: number): void {
    if (this.lastReapAt === null || time > this.lastReapAt) this.lastReapAt = time;
  }

  /** When this episode last reaped (the clock the ticks use), or null. */
  get lastReap(): number | null {
    return this.lastReapAt;
  }

  /** The app id that has led every ranking for the sustain period as of the last tick, else null. */
  get settled(): string | null {
    return this.settledLeader;
  }

  /** True while an episode is open (warned and not yet calm). */
  get open(): boolean {
    return this.warned;
  }
}
