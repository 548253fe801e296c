/**
 * One render per animation frame for the live events. The window's snapshot listener only records
 * what arrived (the newest snapshot and its chart point) and asks for a frame; the frame hands it
 * all to React at once. So a burst of ticks (the sampler catching up, a resync and the delta behind
 * it) is one render, and a hidden tab — where the browser runs no animation frames — renders
 * nothing at all: the snapshot follower still applies every delta (it must, to stay in step with
 * main), and the window catches up in one render when it is shown again.
 *
 * Where there are no animation frames (jsdom in tests) a zero timeout stands in.
 */

/** A pending flush: `schedule` asks for one (at most one is pending), `cancel` drops it. */
export interface FrameBatch {
  schedule(): void;
  cancel(): void;
}

type FrameWindow = Pick<Window, 'requestAnimationFrame' | 'cancelAnimationFrame'>;

/** Run `flush` in the next animation frame after any number of `schedule` calls. */
export function createFrameBatch(flush: () => void, win: Partial<FrameWindow> | undefined = typeof window === 'undefined' ? undefined : window): FrameBatch {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    frame = null;
    timer = null;
    flush();
  };
  return {
    schedule() {
      if (frame !== null || timer !== null) return;
      if (typeof win?.requestAnimationFrame === 'function') frame = win.requestAnimationFrame(run);
      else timer = setTimeout(run, 0);
    },
    cancel() {
      if (frame !== null) win?.cancelAnimationFrame?.(frame);
      if (timer !== null) clearTimeout(timer);
      frame = null;
      timer = null;
    },
  };
}
