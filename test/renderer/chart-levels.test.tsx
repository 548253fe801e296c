// The pressure chart's dashed lines are the guard's own levels: the warn level on `some`, the act
// level on `full`, where the axis puts those values, each named on its line, and they follow Settings.
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Charts } from '../../renderer/components/Charts';
import type { ChartPoint } from '../../renderer/state/series';

const T0 = 1_700_000_000_000;

/** 60 s of samples whose `some` reaches 18 %: the pressure axis runs from 0 to 20 % whatever the levels below. */
function series(): ChartPoint[] {
  const s: ChartPoint[] = [];
  for (let i = 0; i <= 60; i++) {
    s.push({ t: T0 + i * 1000, memSomePct: i === 30 ? 18 : 1, memFullPct: 0, memSomeAvg10: 1, memFullAvg10: 0, cpuSomePct: 0, ioSomePct: 0, availableGiB: 10, usedGiB: 5, swapGiB: 0, zramGiB: 0 });
  }
  return s;
}

/** The y where the pressure chart puts `pct` % on its 0–20 % axis: its plot area (the clip rectangle) scaled. */
function yOfPct(pct: number): number {
  const plot = document.querySelector('.recharts-wrapper clipPath rect')!;
  const [y, h] = [Number(plot.getAttribute('y')), Number(plot.getAttribute('height'))];
  return y + h - (pct / 20) * h;
}
const lineY = (which: 'some' | 'full') => Number(document.querySelector(`.hr-threshold-${which} line`)!.getAttribute('y1'));
const lineWords = (which: 'some' | 'full') => document.querySelector(`.hr-threshold-${which} .hr-level-label`)?.textContent;

describe('the guard\'s levels on the pressure chart', () => {
  afterEach(cleanup);
  const base = { markers: [], windowMs: 60_000, onWindowChange: () => {}, psiAvailable: true, intervalMs: 1000, series: series() };

  it('draws the warn level on some and the act level on full, each with its words', () => {
    const view = render(<Charts {...base} warnSomePct={10} actFullPct={15} autoReap={false} />);
    expect(lineY('some')).toBeCloseTo(yOfPct(10), 6);
    expect(lineY('full')).toBeCloseTo(yOfPct(15), 6);
    expect(lineWords('some')).toBe('warn \u2265 10 %');
    expect(lineWords('full')).toBe('would reap \u2265 15 %');
    view.rerender(<Charts {...base} warnSomePct={10} actFullPct={20} autoReap={false} />);
    // Just above its own line, and inside the chart even for a line at the top of the scale.
    expect(lineY('full')).toBeCloseTo(yOfPct(20), 6);
    for (const which of ['some', 'full'] as const) {
      const wordsY = Number(document.querySelector(`.hr-threshold-${which} .hr-level-label`)!.getAttribute('y'));
      expect(lineY(which) - wordsY).toBeGreaterThan(0);
      expect(lineY(which) - wordsY).toBeLessThan(6);
      // An 11 px line of text whose baseline is wordsY stays below the chart's top edge.
      expect(wordsY - 11).toBeGreaterThanOrEqual(0);
    }
  });

  it('follows new levels and says auto-reap when it is on', () => {
    const view = render(<Charts {...base} warnSomePct={10} actFullPct={15} autoReap={false} />);
    view.rerender(<Charts {...base} warnSomePct={5} actFullPct={12} autoReap={true} />);
    expect(lineY('some')).toBeCloseTo(yOfPct(5), 6);
    expect(lineY('full')).toBeCloseTo(yOfPct(12), 6);
    expect(lineWords('some')).toBe('warn \u2265 5 %');
    expect(lineWords('full')).toBe('auto-reap \u2265 12 %');
    expect(view.getByLabelText('Pressure and memory graphs').textContent).not.toContain('would reap');
  });
});
