// Reap markers stay where they belong on the moving time axis without being re-placed every tick:
// a tick moves them by shifting their group (one attribute), and they are placed again only when
// what is drawn changes (a marker leaves the window, its label changes side, its recovery is measured).
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReapMarker } from '../../contract/history';
import { Charts } from '../../renderer/components/Charts';
import type { ChartPoint } from '../../renderer/state/series';

const T0 = 1_700_000_000_000;
const WINDOW = 60_000;
// The memory chart (plain SVG, 800 px wide in jsdom: useElementSize's fallback) has its plot from x = 44 to 800 − 12.
const LEFT = 44;
const PLOT_W = 800 - 44 - 12;

function point(t: number): ChartPoint {
  return { t, memSomePct: 1, memFullPct: 0, memSomeAvg10: 1, memFullAvg10: 0, cpuSomePct: 0, ioSomePct: 0, availableGiB: 10, usedGiB: 5, swapGiB: 0, zramGiB: 0 };
}
function seriesUpTo(to: number): ChartPoint[] {
  const s: ChartPoint[] = [];
  for (let t = to - 120_000; t <= to; t += 1000) s.push(point(t));
  return s;
}
function marker(time: number, recoveredMs: number | null): ReapMarker {
  return { time, kind: 'reap', label: 'leaky', detail: '', freedBytes: 512 * 2 ** 20, mreleaseMs: 20, availableBeforeBytes: 2 ** 30, recoveredMs };
}

/** The marker line in the memory chart and where it shows on screen (its x plus its group's shift). */
function memoryMarker() {
  const line = document.querySelector('svg.hr-svg-chart .hr-marker-line line');
  if (!line) return null;
  const shift = /translate\(([-\d.e]+),0\)/.exec(line.closest('g[transform]')?.getAttribute('transform') ?? '');
  const x1 = Number(line.getAttribute('x1'));
  return { line, x1, onScreen: x1 + (shift ? Number(shift[1]) : 0) };
}
/** Where the chart's time axis puts `time` when the newest sample is `to`. */
const expectedX = (time: number, to: number) => LEFT + ((time - to + WINDOW) / WINDOW) * PLOT_W;

describe('chart markers on the moving time axis', () => {
  afterEach(cleanup);

  function renderAt(to: number, markers: ReapMarker[]) {
    const props = { markers, windowMs: WINDOW, onWindowChange: () => {}, warnSomePct: 10, actFullPct: 5, autoReap: false, psiAvailable: true, intervalMs: 1000 };
    const view = render(<Charts {...props} series={seriesUpTo(to)} />);
    return { ...view, tick: (t: number, m: ReapMarker[] = markers) => act(() => view.rerender(<Charts {...props} markers={m} series={seriesUpTo(t)} />)) };
  }

  it('moves a marker with time by shifting it, placing it only once', () => {
    const reap = marker(T0 + 50_000, 420);
    const view = renderAt(T0 + 60_000, [reap]);
    const first = memoryMarker()!;
    expect(first.onScreen).toBeCloseTo(expectedX(reap.time, T0 + 60_000), 6);
    const pressureLine = document.querySelector('.recharts-wrapper .hr-marker-line line')!;
    const pressureX1 = pressureLine.getAttribute('x1');
    for (const to of [T0 + 61_000, T0 + 62_000, T0 + 65_000]) {
      view.tick(to);
      const now = memoryMarker()!;
      // Where the axis says, with the line as it was placed: only the shift changed.
      expect(now.onScreen).toBeCloseTo(expectedX(reap.time, to), 6);
      expect(now.line).toBe(first.line);
      expect(now.x1).toBe(first.x1);
      expect(document.querySelector('.recharts-wrapper .hr-marker-line line')!.getAttribute('x1')).toBe(pressureX1);
    }
    // The pressure chart's marker moves with the same shift.
    const shifted = pressureLine.closest('g[transform]')!.getAttribute('transform');
    expect(shifted).toMatch(/^translate\(-\d/);
  });

  it('moves the label to the right of its line past the middle, and drops the marker when it leaves the window', () => {
    const reap = marker(T0 + 50_000, 420);
    const view = renderAt(T0 + 60_000, [reap]);
    const anchor = () => document.querySelector('svg.hr-svg-chart .hr-marker-text')!.getAttribute('text-anchor');
    expect(anchor()).toBe('end');
    view.tick(T0 + 81_000); // 31 s old in a 60 s window: left half
    expect(anchor()).toBe('start');
    expect(memoryMarker()!.onScreen).toBeCloseTo(expectedX(reap.time, T0 + 81_000), 6);
    view.tick(T0 + 110_000); // exactly at the left edge: still shown
    expect(memoryMarker()!.onScreen).toBeCloseTo(LEFT, 6);
    view.tick(T0 + 111_000);
    expect(memoryMarker()).toBeNull();
    expect(document.querySelectorAll('[data-testid="reap-marker"]')).toHaveLength(0);
  });

  it('highlights a recovery still being measured up to now, and ends it where it was measured', () => {
    const measuring = marker(T0 + 50_000, null);
    const view = renderAt(T0 + 60_000, [measuring]);
    const area = () => {
      const rect = document.querySelector('svg.hr-svg-chart rect.hr-recovery')!;
      const shift = Number(/translate\(([-\d.e]+),0\)/.exec(rect.closest('g[transform]')!.getAttribute('transform')!)![1]);
      return { start: Number(rect.getAttribute('x')) + shift, end: Number(rect.getAttribute('x')) + Number(rect.getAttribute('width')) + shift };
    };
    for (const to of [T0 + 60_000, T0 + 64_000]) {
      if (to !== T0 + 60_000) view.tick(to);
      expect(area().start).toBeCloseTo(expectedX(measuring.time, to), 6);
      expect(area().end).toBeGreaterThanOrEqual(LEFT + PLOT_W); // reaches now (the clip ends it there)
    }
    // The recovery is measured: the marker changes, and is placed again with its end.
    const measured = { ...measuring, recoveredMs: 3000 };
    view.tick(T0 + 65_000, [measured]);
    expect(area().start).toBeCloseTo(expectedX(measured.time, T0 + 65_000), 6);
    expect(area().end).toBeCloseTo(expectedX(measured.time + 3000, T0 + 65_000), 6);
    expect(document.querySelector('svg.hr-svg-chart .hr-marker-text')!.textContent).toBe('Recovered in 3.0 s');
  });
});
