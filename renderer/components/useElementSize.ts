/**
 * The size of an element, kept current with ResizeObserver. Where there is no layout (jsdom) or
 * no observer, the fallback size is used so charts and the table still render at a sane size.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

export interface Size {
  width: number;
  height: number;
}

/** Measure `ref`'s content box; `fallback` fills in any dimension that measures 0. */
export function useElementSize(ref: RefObject<HTMLElement | null>, fallback: Size): Size {
  const [size, setSize] = useState<Size>(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = (width: number, height: number) => {
      const next = { width: Math.round(width) || fallback.width, height: Math.round(height) || fallback.height };
      // Only a real change re-renders: ResizeObserver fires on every layout pass it sees.
      setSize((prev) => (prev.width === next.width && prev.height === next.height ? prev : next));
    };
    update(el.clientWidth, el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const box = entries[0]?.contentRect;
      if (box) update(box.width, box.height);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, fallback.width, fallback.height]);
  return size;
}
