// The charts' per-tick path: a feed value reaches the DOM without a React render, only when the
// string changed, and a new drawing function (a new frame) redraws at once.
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFeed, LivePath } from '../../renderer/components/live-path';

describe('LivePath', () => {
  afterEach(cleanup);

  it('writes d from the feed, outside React, only when it changed', () => {
    const feed = createFeed<number[]>();
    const pathOf = vi.fn((v: number[]) => v.map((y, i) => `${i === 0 ? 'M' : 'L'}${i} ${y}`).join(''));
    let renders = 0;
    function Chart() {
      renders++;
      return (
        <svg>
          <LivePath feed={feed} pathOf={pathOf} className="line" fill="none" />
        </svg>
      );
    }
    const { container } = render(<Chart />);
    const path = container.querySelector('path.line')!;
    expect(path.getAttribute('d')).toBeNull();
    expect(path.getAttribute('fill')).toBe('none');
    const setAttribute = vi.spyOn(path, 'setAttribute');
    feed.set([1, 2]);
    expect(path.getAttribute('d')).toBe('M0 1L1 2');
    feed.set([1, 2, 3]);
    expect(path.getAttribute('d')).toBe('M0 1L1 2L2 3');
    // The same picture from a new value: computed, not written.
    feed.set([1, 2, 3].slice());
    expect(pathOf).toHaveBeenCalledTimes(3);
    expect(setAttribute).toHaveBeenCalledTimes(2);
    expect(renders).toBe(1);
  });

  it('redraws the current value at once with a new drawing function, and stops listening when unmounted', () => {
    const feed = createFeed<number>();
    feed.set(5);
    const { container, rerender, unmount } = render(
      <svg>
        <LivePath feed={feed} pathOf={(v) => `M0 ${v}`} />
      </svg>,
    );
    const path = container.querySelector('path')!;
    expect(path.getAttribute('d')).toBe('M0 5');
    const second = vi.fn((v: number) => `M10 ${v * 2}`);
    act(() =>
      rerender(
        <svg>
          <LivePath feed={feed} pathOf={second} />
        </svg>,
      ),
    );
    expect(path.getAttribute('d')).toBe('M10 10');
    feed.set(7);
    expect(path.getAttribute('d')).toBe('M10 14');
    const calls = second.mock.calls.length;
    unmount();
    feed.set(8);
    expect(second).toHaveBeenCalledTimes(calls);
  });
});
