/**
 * The guard's episode state machine, pure: ticks in, decisions out. No clocks, no I/O.
 *
 *   calm ──some ≥ warn for sustain──▶ warning ──full ≥ act for sustain──▶ acting
 *     ▲                                  │                                  │
 *     └──── some < warn for CALM_MS ─────┴──────────────────────────────────┘
 *
 * - One `warning` per episode (entering warning, or entering acting without one).
 * - In acting: `reap` when this guard may act (auto-reap on and it holds the per-user lock) and an
 *   actionable culprit exists, at most once per cooldown; otherwise one `would-reap` per episode.
 * - `calm` ends an episode that warned; a flurry that never warned ends silently.
 * A streak starts where the tick's measurement window starts (`since`): a share measured over
 * [t − 1 s, t] at or above the level means the pressure held from t − 1 s on.
 */

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
  /** True when there is an actionable culprit to act on. */
  haveCulprit: boolean;
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
  private warned = false;
  private wouldReaped = false;
  private lastReapAt: number | null = null;

  /** Feed one tick; returns what to do now, in order. */
  step(tick: EpisodeTick, limits: EpisodeLimits): EpisodeAction[] {
    const actions: EpisodeAction[] = [];
    if (tick.somePct >= limits.warnSomePct) {
      this.warnSince ??= tick.since;
      this.calmSince = null;
    } else {
      this.warnSince = null;
      this.calmSince ??= tick.time;
    }
    this.actSince = tick.fullPct >= limits.actFullPct ? (this.actSince ?? tick.since) : null;
    const held = (since: number | null): boolean => since !== null && tick.time - since >= limits.sustainMs;

    if (!this.warned && (held(this.warnSince) || held(this.actSince))) {
      this.warned = true;
      this.phase = 'warning';
      actions.push('warning');
    }
    if (held(this.actSince)) {
      this.phase = 'acting';
      if (tick.mayAct) {
        const cooled = this.lastReapAt === null || tick.time - this.lastReapAt >= limits.cooldownMs;
        if (cooled && tick.haveCulprit) {
          this.lastReapAt = tick.time;
          actions.push('reap');
        }
      } else if (!this.wouldReaped && tick.haveCulprit) {
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

  /** True while an episode is open (warned and not yet calm). */
  get open(): boolean {
    return this.warned;
  }
}
