// The charts' per-tick path: a feed value reaches the canvas without a React render, is drawn only
// when a line's path changed, a new set of lines (a new frame) redraws at once, and the chart's text
// alternative follows the values at a low rate, not every tick.
import { act, cleanup, render } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drawnPaths, LiveCanvas, SUMMARY_MS, type CanvasLine } from '../../renderer/components/live-canvas';
import { createFeed } from '../../renderer/components/live-path';

const pathOfValues = (v: number[]) => v.map((y, i) => `${i === 0 ? 'M' : 'L'}${i} ${y}`).join('');

describe('LiveCanvas', () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('draws from the feed, outside React, only when a path changed', () => {
    const feed = createFeed<number[]>();
    const pathOf = vi.fn(pathOfValues);
    const lines: CanvasLine<number[]>[] = [{ color: '--some', width: 1, pathOf }, { color: '--full', width: 2, pathOf: () => 'M0 0L5 0' }];
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
    const first = drawnPaths(canvas);
    expect(first).toEqual(['M0 1L1 2', 'M0 0L5 0']);
    feed.set([1, 2, 3]);
    expect(drawnPaths(canvas)).toEqual(['M0 1L1 2L2 3', 'M0 0L5 0']);
    const second = drawnPaths(canvas);
    // The same picture from a new value: computed, not drawn again.
    feed.set([1, 2, 3].slice());
    expect(pathOf).toHaveBeenCalledTimes(3);
    expect(drawnPaths(canvas)).toBe(second);
    expect(renders).toBe(1);
  });

  it('redraws the current value at once with new lines, and stops listening when unmounted', () => {
    const feed = createFeed<number>();
    feed.set(5);
    const { container, rerender, unmount } = render(<LiveCanvas feed={feed} width={10} height={10} lines={[{ color: '--some', width: 1, pathOf: (v) => `M0 ${v}` }]} />);
    const canvas = container.querySelector('canvas')!;
    expect(drawnPaths(canvas)).toEqual(['M0 5']);
    const second = vi.fn((v: number) => `M10 ${v * 2}`);
    act(() => rerender(<LiveCanvas feed={feed} width={10} height={10} lines={[{ color: '--some', width: 1, pathOf: second }]} />));
    expect(drawnPaths(canvas)).toEqual(['M10 10']);
    feed.set(7);
    expect(drawnPaths(canvas)).toEqual(['M10 14']);
    const calls = second.mock.calls.length;
    unmount();
    feed.set(8);
    expect(second).toHaveBeenCalledTimes(calls);
  });

  it('says the newest values in the target’s label at once, then at most every SUMMARY_MS', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const feed = createFeed<number[]>();
    feed.set([3]);
    const lines: CanvasLine<number[]>[] = [{ color: '--some', width: 1, pathOf: pathOfValues }];
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
    expect(drawnPaths(container.querySelector('canvas'))).toEqual(['M0 3L1 4']);
    expect(group.getAttribute('aria-label')).toBe('Pressure. Now: last 3');
    vi.setSystemTime(1_000_000 + SUMMARY_MS);
    feed.set([3, 4, 5]);
    expect(group.getAttribute('aria-label')).toBe('Pressure. Now: last 5');
  });
});
