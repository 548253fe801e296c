/** The episode state machine alone: one warning per episode, would-reap once, reap once per cooldown, calm. */
import { describe, expect, it } from 'vitest';
import { CALM_MS, Episode, type EpisodeAction } from '../../main/guard/episode';

const limits = { warnSomePct: 10, actFullPct: 20, sustainMs: 2000, cooldownMs: 5000 };

/** Feed ticks every 250 ms with the shares given per tick; returns the actions with their times. */
function run(episode: Episode, from: number, to: number, some: number, full: number, mayAct = false): Array<[number, EpisodeAction]> {
  const out: Array<[number, EpisodeAction]> = [];
  for (let t = from; t <= to; t += 250) {
    for (const a of episode.step({ time: t, since: t - 250, somePct: some, fullPct: full, haveCulprit: true, mayAct }, limits)) out.push([t, a]);
  }
  return out;
}

describe('guard episodes', () => {
  it('warns once after the sustain period, would-reap once, calm after CALM_MS below the warn level', () => {
    const e = new Episode();
    expect(run(e, 0, 1500, 50, 0)).toEqual([]);
    // The streak started at the first tick's window start (-250 ms): held 2 s at 1750 ms.
    expect(run(e, 1750, 10_000, 50, 30)).toEqual([[1750, 'warning'], [3500, 'would-reap']]);
    expect(e.phase).toBe('acting');
    const calm = run(e, 10_250, 20_000, 1, 0);
    expect(calm).toEqual([[10_250 + CALM_MS, 'calm']]);
    expect(e.phase).toBe('calm');
    // A new episode warns again.
    expect(run(e, 20_250, 23_000, 50, 0).map(([, a]) => a)).toEqual(['warning']);
  });

  it('a dip below the level restarts the sustain clock; a short spike never warns', () => {
    const e = new Episode();
    expect(run(e, 0, 1000, 50, 0)).toEqual([]);
    expect(run(e, 1250, 1250, 5, 0)).toEqual([]);
    // The new streak starts at 1250 ms (the window of the 1500 ms tick): held 2 s at 3250 ms.
    expect(run(e, 1500, 3000, 50, 0)).toEqual([]);
    expect(run(e, 3250, 3250, 50, 0)).toEqual([[3250, 'warning']]);
  });

  it('with auto-reap: reaps, then not again before the cooldown, then again while full stays high', () => {
    const e = new Episode();
    const actions = run(e, 0, 12_000, 60, 40, true);
    expect(actions).toEqual([[1750, 'warning'], [1750, 'reap'], [6750, 'reap'], [11_750, 'reap']]);
  });

  it('no actionable culprit: warns, but neither reaps nor says would-reap', () => {
    const e = new Episode();
    const out: EpisodeAction[] = [];
    for (let t = 0; t <= 5000; t += 250) out.push(...e.step({ time: t, since: t - 250, somePct: 60, fullPct: 40, haveCulprit: false, mayAct: true }, limits));
    expect(out).toEqual(['warning']);
  });
});
