/**
 * Nothing rendered for live events while the window is hidden. The window's snapshot listener
 * records what arrived (the newest snapshot and the chart points) and asks for a flush: while the
 * page is visible the flush runs at once, in the event's own task — React batches the state updates
 * of one task and renders them in its scheduler's next task, so ticks that arrive before that render
 * are one render anyway. While the page is hidden (a minimised window, a background tab) the flush
 * waits for the page to be shown and then hands everything over in one render: no React work, no
 * DOM, no layout while nobody can see it. The snapshot follower still applies every delta meanwhile
 * (it must, to stay in step with main).
 *
 * Measured and left out: flushing in the next animation frame instead (one render per frame by
 * construction) cost more main-thread time per update than it saved (docs/BENCHMARKS.md, "Window,
 * third pass"): the frame it asks for is a whole extra frame per tick at 1 Hz.
 */

/** A flush on demand that waits while the page is hidden. */
export interface VisibleBatch {
  /** Flush now when visible, else when the page is shown next. */
  request(): void;
  /** Stop listening (the window unmounts). */
  close(): void;
}

type PageDocument = Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;

/** Call `flush` for every request while `doc` is visible; while hidden, once when it is shown again. */
export function createVisibleBatch(flush: () => void, doc: PageDocument | undefined = typeof document === 'undefined' ? undefined : document): VisibleBatch {
  let waiting = false;
  const onVisibility = () => {
    if (!waiting || doc?.visibilityState === 'hidden') return;
    waiting = false;
    flush();
  };
  doc?.addEventListener('visibilitychange', onVisibility);
  return {
    request() {
      if (doc?.visibilityState === 'hidden') {
        waiting = true;
        return;
      }
      waiting = false;
      flush();
    },
    close() {
      waiting = false;
      doc?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
