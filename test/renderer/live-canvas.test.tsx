// The charts' per-tick path: a feed value reaches the canvas without a React render, a new set of
// lines (a new frame) redraws at once, and the chart's text alternative follows the values at a low
// rate, not every tick. (jsdom has no canvas: LiveCanvas writes what it traces as path data there.)
import { act, cleanup, render } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drawnPaths, LiveCanvas, SUMMARY_MS, type CanvasLine } from '../../renderer/components/live-canvas';
import type { Pen } from '../../renderer/components/gapped-path';
import { createFeed } from '../../renderer/components/live-path';

const traceValues = (v: number[], pen: Pen) => v.forEach((y, i) => (i === 0 ? pen.moveTo(i, y) : pen.lineTo(i, y)));

describe('LiveCanvas', () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('draws from the feed, outside React', () => {
    const feed = createFeed<number[]>();
    const trace = vi.fn(traceValues);
    const flat = (_: number[], pen: Pen) => {
      pen.moveTo(0, 0);
      pen.lineTo(5, 0);
    };
    const lines: CanvasLine<number[]>[] = [{ color: '--some', width: 1, trace }, { color: '--full', width: 2, trace: flat }];
    let renders = 0;
    function Chart() {
      renders++;
      return <LiveCanvas feed={feed} width={200} height={100} lines={lines} />;
    }
    const { container } = render(<Chart />);
    const canvas = container.querySelector('canvas')!;
    expect(canvas.getAttribute('aria-hidden')).toBe('true');
    expect(canvas.width).toBe(200);
    expect(drawnPaths(canvas)).toBeUndefined();
    feed.set([1, 2]);
    expect(drawnPaths(canvas)).toEqual(['M0.0 1.0L1.0 2.0', 'M0.0 0.0L5.0 0.0']);
    feed.set([1, 2, 3]);
    expect(drawnPaths(canvas)).toEqual(['M0.0 1.0L1.0 2.0L2.0 3.0', 'M0.0 0.0L5.0 0.0']);
    // The same value again is not published (the feed drops it): nothing traced.
    feed.set(feed.get()!);
    expect(trace).toHaveBeenCalledTimes(2);
    expect(renders).toBe(1);
  });

  it('redraws the current value at once with new lines, and stops listening when unmounted', () => {
    const feed = createFeed<number>();
    feed.set(5);
    const { container, rerender, unmount } = render(<LiveCanvas feed={feed} width={10} height={10} lines={[{ color: '--some', width: 1, trace: (v, pen) => pen.moveTo(0, v) }]} />);
    const canvas = container.querySelector('canvas')!;
    expect(drawnPaths(canvas)).toEqual(['M0.0 5.0']);
    const second = vi.fn((v: number, pen: Pen) => pen.moveTo(10, v * 2));
    act(() => rerender(<LiveCanvas feed={feed} width={10} height={10} lines={[{ color: '--some', width: 1, trace: second }]} />));
    expect(drawnPaths(canvas)).toEqual(['M10.0 10.0']);
    feed.set(7);
    expect(drawnPaths(canvas)).toEqual(['M10.0 14.0']);
    const calls = second.mock.calls.length;
    unmount();
    feed.set(8);
    expect(second).toHaveBeenCalledTimes(calls);
  });

  it('says the newest values in the target’s label at once, then at most every SUMMARY_MS', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const feed = createFeed<number[]>();
    feed.set([3]);
    const lines: CanvasLine<number[]>[] = [{ color: '--some', width: 1, trace: traceValues }];
    function Chart() {
      const target = useRef<HTMLDivElement>(null);
      return (
        <div ref={target} role="group" aria-label="Pressure">
          <LiveCanvas feed={feed} width={10} height={10} lines={lines} describe={{ target, label: 'Pressure', of: (v) => `last ${v[v.length - 1]}` }} />
        </div>
      );
    }
    const { container } = render(<Chart />);
    const group = container.querySelector('[role="group"]')!;
    await Promise.resolve();
    expect(group.getAttribute('aria-label')).toBe('Pressure. Now: last 3');
    vi.setSystemTime(1_000_000 + SUMMARY_MS - 1);
    feed.set([3, 4]);
    // Drawn, but the words wait.
    expect(drawnPaths(container.querySelector('canvas'))).toEqual(['M0.0 3.0L1.0 4.0']);
    expect(group.getAttribute('aria-label')).toBe('Pressure. Now: last 3');
    vi.setSystemTime(1_000_000 + SUMMARY_MS);
    feed.set([3, 4, 5]);
    expect(group.getAttribute('aria-label')).toBe('Pressure. Now: last 5');
  });
});
