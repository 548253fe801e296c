// One flush per frame however many events asked for it; nothing while no frame comes (a hidden tab).
import { describe, expect, it, vi } from 'vitest';
import { createFrameBatch } from '../../renderer/state/frame-batch';

function manualFrames() {
  const callbacks = new Map<number, FrameRequestCallback>();
  let next = 1;
  return {
    requestAnimationFrame: (cb: FrameRequestCallback) => {
      callbacks.set(next, cb);
      return next++;
    },
    cancelAnimationFrame: (id: number) => void callbacks.delete(id),
    pending: () => callbacks.size,
    runFrame() {
      const due = [...callbacks.values()];
      callbacks.clear();
      for (const cb of due) cb(0);
    },
  };
}

describe('createFrameBatch', () => {
  it('asks for one frame for many events and flushes once in it', () => {
    const frames = manualFrames();
    const flush = vi.fn();
    const batch = createFrameBatch(flush, frames);
    batch.schedule();
    batch.schedule();
    batch.schedule();
    expect(frames.pending()).toBe(1);
    expect(flush).not.toHaveBeenCalled();
    // No frame (a hidden tab): nothing runs, however long.
    frames.runFrame();
    expect(flush).toHaveBeenCalledTimes(1);
    batch.schedule();
    expect(frames.pending()).toBe(1);
    frames.runFrame();
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('drops a pending flush on cancel', () => {
    const frames = manualFrames();
    const flush = vi.fn();
    const batch = createFrameBatch(flush, frames);
    batch.schedule();
    batch.cancel();
    expect(frames.pending()).toBe(0);
    frames.runFrame();
    expect(flush).not.toHaveBeenCalled();
  });

  it('falls back to a zero timeout without animation frames', async () => {
    const flush = vi.fn();
    const batch = createFrameBatch(flush, {});
    batch.schedule();
    batch.schedule();
    expect(flush).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 5));
    expect(flush).toHaveBeenCalledTimes(1);
  });
});
