/**
 * Chart lines drawn outside React's render: the per-tick part of a chart is its path strings, so
 * the charts publish each tick's points to a small feed and every line (<LivePath>) writes its own
 * `d` attribute from it, straight to the DOM, only when the string changed.
 *
 * Why: a chart re-rendered through React every tick re-runs and diffs its whole subtree (axes,
 * ticks, grid, markers) to change a few `d` attributes. With the feed, React renders a chart only
 * when its frame changes (window, width, value scale, markers, thresholds) and a tick costs the
 * path strings and the attribute writes. The sequence within one commit: the lines' layout effects
 * subscribe (children run first) and draw what the feed holds; the chart's layout effect then
 * publishes the new points and every line redraws synchronously, so the DOM is complete before the
 * browser paints, and tests in jsdom see the `d` attribute right after render.
 */
import { memo, useLayoutEffect, useRef, type RefObject, type SVGProps } from 'react';

/** The latest value of something that changes every tick, with listeners. */
export interface Feed<T> {
  /** The last published value; null before the first. */
  get(): T | null;
  /** Publish a value to every listener (synchronously). */
  set(value: T): void;
  /** Listen; returns the unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void;
}

/** A new, empty feed. */
export function createFeed<T>(): Feed<T> {
  let current: T | null = null;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => current,
    set(value) {
      if (value === current) return;
      current = value;
      for (const l of listeners) l(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type LivePathProps<T> = Omit<SVGProps<SVGPathElement>, 'd' | 'ref' | 'path'> & {
  feed: Feed<T>;
  /** The path for a value. Keep it stable (useMemo) while the chart's frame is unchanged: a new function redraws. */
  pathOf(value: T): string;
};

/**
 * Keep one attribute of the element in `ref` following a feed: written straight to the DOM when the
 * value computed from the feed's current value changed, and at once when `valueOf` or the feed change.
 */
export function useLiveAttribute<T>(ref: RefObject<Element | null>, feed: Feed<T>, attribute: string, valueOf: (value: T) => string): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    let drawn: string | null = null;
    const draw = (value: T) => {
      const next = valueOf(value);
      if (next === drawn) return;
      drawn = next;
      el.setAttribute(attribute, next);
    };
    const now = feed.get();
    if (now !== null) draw(now);
    return feed.subscribe(draw);
  }, [ref, feed, attribute, valueOf]);
}

function LivePathImpl<T>({ feed, pathOf, ...attributes }: LivePathProps<T>) {
  const ref = useRef<SVGPathElement>(null);
  useLiveAttribute(ref, feed, 'd', pathOf);
  return <path ref={ref} {...attributes} />;
}

/** An SVG path whose `d` follows a feed without re-rendering. */
export const LivePath = memo(LivePathImpl) as typeof LivePathImpl;
