/**
 * The charts' per-tick feed: the charts publish each tick's points here and every canvas
 * (<LiveCanvas>, live-canvas.tsx) draws its lines from it, outside React's render.
 *
 * Why: a chart re-rendered through React every tick re-runs and diffs its whole subtree (axes,
 * ticks, grid, markers) to change its lines. With the feed, React renders a chart only when its
 * frame changes (window, width, value scale, markers, thresholds). The sequence within one commit:
 * the canvases' layout effects subscribe (children run first) and draw what the feed holds; the
 * chart's layout effect then publishes the new points and every canvas redraws synchronously, so
 * the picture is complete before the browser paints, and tests see the drawing right after render.
 */

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
