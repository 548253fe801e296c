/**
 * Chart lines drawn on one <canvas> per chart, from the charts' per-tick feed (live-path.tsx's
 * Feed), outside React's render.
 *
 * Why a canvas: with the lines as SVG paths, every tick wrote nine `d` attributes, and Chromium
 * then re-parsed each path, recalculated its style, laid out the SVG (path bounds), re-recorded the
 * chart's paint and committed it — a large part of an update's main-thread time. A canvas's
 * pixels changing is none of that: no style, no layout, only the canvas redrawn into its own
 * bitmap. The axes, thresholds, markers and legends stay DOM (recharts or plain SVG) above the
 * canvas and change only when their labels do.
 *
 * The lines are traced straight onto the context (gapped-path.ts: gaps break the line, flat runs
 * are traced as their two ends) — no path strings to build and parse. Where there is no canvas
 * (jsdom) the same tracing is written as SVG path data instead, and `drawnPaths(canvas)` returns
 * it: that is how the component tests check the lines.
 *
 * Accessibility: the canvas itself is hidden from assistive technology; a chart's text alternative
 * (the `describe` target's aria-label: its name and the newest values in words) is refreshed at
 * most every SUMMARY_MS, not every tick. Colours are the theme's CSS custom properties (--some,
 * --available, …), read when the frame changes and when the colour scheme flips.
 */
import { memo, useLayoutEffect, useRef, type RefObject } from 'react';
import { pathData, type Pen } from './gapped-path';
import type { Feed } from './live-path';

/** How often a chart's text alternative follows the values (ms). */
export const SUMMARY_MS = 10_000;

/** One line on the canvas. */
export interface CanvasLine<T> {
  /** The CSS custom property holding its colour, e.g. '--some'. */
  color: string;
  width: number;
  dash?: number[];
  /** Trace the line for a feed value, in the canvas's CSS pixels (moveTo/lineTo on the pen). */
  trace(value: T, pen: Pen): void;
}

/** A chart's text alternative, kept current at a low rate. */
export interface CanvasDescription<T> {
  /** The element whose aria-label says it (the chart's svg or its group). */
  target: RefObject<Element | null>;
  /** The chart's name, first in the label. */
  label: string;
  /** The newest values in words; '' while there are none (the label then waits for the first). */
  of(value: T): string;
}

export interface LiveCanvasProps<T> {
  feed: Feed<T>;
  /** CSS pixels. */
  width: number;
  height: number;
  /** Keep the array stable (useMemo) while the frame is unchanged: a new one redraws at once. */
  lines: readonly CanvasLine<T>[];
  /** Lines are drawn only inside this rectangle (CSS pixels), when given. */
  clip?: { x: number; y: number; width: number; height: number };
  className?: string;
  describe?: CanvasDescription<T>;
}

const drawn = new WeakMap<Element, readonly string[]>();
const NO_DASH: number[] = [];

/** The path data a canvas drew last, one string per line (undefined before its first drawing). */
export function drawnPaths(canvas: Element | null): readonly string[] | undefined {
  return canvas ? drawn.get(canvas) : undefined;
}

/** The 2D context where a canvas can be drawn (null in jsdom, which has neither canvas nor Path2D). */
function contextOf(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  if (typeof Path2D === 'undefined') return null;
  try {
    return canvas.getContext('2d');
  } catch {
    return null;
  }
}

function LiveCanvasImpl<T>({ feed, width, height, lines, clip, className, describe }: LiveCanvasProps<T>) {
  const ref = useRef<HTMLCanvasElement>(null);
  const clipX = clip?.x;
  const clipY = clip?.y;
  const clipW = clip?.width;
  const clipH = clip?.height;
  const describeRef = useRef(describe);
  describeRef.current = describe;
  const summarisedAt = useRef(-Infinity);

  useLayoutEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ratio = typeof window !== 'undefined' && window.devicePixelRatio > 0 ? window.devicePixelRatio : 1;
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    const ctx = contextOf(canvas);
    let colors: string[] = [];
    const readColors = () => {
      const style = ctx ? getComputedStyle(canvas) : null;
      colors = lines.map((l) => style?.getPropertyValue(l.color).trim() || '#888');
    };
    readColors();
    let last: T | null = null;

    const paint = (value: T) => {
      if (!ctx) {
        drawn.set(canvas, lines.map((l) => pathData((pen) => l.trace(value, pen))));
        return;
      }
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.save();
      if (clipX !== undefined && clipY !== undefined && clipW !== undefined && clipH !== undefined) {
        ctx.beginPath();
        ctx.rect(clipX, clipY, clipW, clipH);
        ctx.clip();
      }
      ctx.lineJoin = 'round';
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        ctx.beginPath();
        line.trace(value, ctx);
        ctx.strokeStyle = colors[i]!;
        ctx.lineWidth = line.width;
        ctx.setLineDash(line.dash ?? NO_DASH);
        ctx.stroke();
      }
      ctx.restore();
    };

    const summarise = (value: T, force: boolean) => {
      const d = describeRef.current;
      const now = Date.now();
      if (!d || (!force && now - summarisedAt.current < SUMMARY_MS)) return;
      const el = d.target.current;
      if (!el) {
        // The target is the canvas's ancestor, whose ref React attaches after this layout effect.
        if (force) queueMicrotask(() => summarise(value, true));
        return;
      }
      const words = d.of(value);
      if (words === '') return;
      summarisedAt.current = now;
      el.setAttribute('aria-label', `${d.label}. Now: ${words}`);
    };

    const draw = (value: T, force = false) => {
      last = value;
      summarise(value, force);
      paint(value);
    };

    const now = feed.get();
    if (now !== null) draw(now, true);
    const unsubscribe = feed.subscribe((v) => draw(v));
    // A theme change recolours the lines at once, not at the next tick.
    const scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    const recolour = () => {
      readColors();
      if (last !== null) paint(last);
    };
    scheme?.addEventListener?.('change', recolour);
    return () => {
      unsubscribe();
      scheme?.removeEventListener?.('change', recolour);
    };
  }, [feed, width, height, lines, clipX, clipY, clipW, clipH]);

  return <canvas ref={ref} className={className} style={{ width, height }} aria-hidden="true" />;
}

/** A canvas whose lines follow a feed without re-rendering. */
export const LiveCanvas = memo(LiveCanvasImpl) as typeof LiveCanvasImpl;
