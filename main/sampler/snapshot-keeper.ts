/**
 * What every sampler loop keeps, wherever its ticks run: the latest snapshot, the bounded graph
 * history, the cost median and the listeners. SamplerLoop (ticks on this thread) and
 * WorkerSamplerLoop (ticks on a worker) differ only in where the snapshot comes from.
 */
import type { HistoryPoint } from '../../contract/history';
import { historyPointOf } from '../../contract/plain';
import type { Snapshot } from '../../contract/snapshot';
import { RingBuffer } from './ring-buffer';

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 10_000;
export const DEFAULT_HISTORY_LENGTH = 600;
export const MAX_HISTORY_LENGTH = 86_400;
/** Ticks over which medianSampleMs() is taken. */
export const COST_WINDOW = 60;

export type SnapshotListener = (snapshot: Snapshot) => void;

/** Throws a RangeError unless ms is a whole number of milliseconds in 250–10000. */
export function checkIntervalMs(ms: number): number {
  if (!Number.isInteger(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new RangeError(`sampling interval must be ${MIN_INTERVAL_MS}–${MAX_INTERVAL_MS} ms, got ${ms}`);
  }
  return ms;
}

/** Throws a RangeError unless n is a whole number of history points in 1–86400. */
export function checkHistoryLength(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HISTORY_LENGTH) throw new RangeError(`history length must be 1–${MAX_HISTORY_LENGTH} points, got ${n}`);
  return n;
}

/** The record a sampler loop keeps of its ticks, and the listeners it tells. */
export abstract class SnapshotKeeper {
  protected intervalMs: number;
  protected current: Snapshot | null = null;
  private readonly points: RingBuffer<HistoryPoint>;
  private readonly costs = new RingBuffer<number>(COST_WINDOW);
  private readonly listeners = new Set<SnapshotListener>();
  private failures = 0;
  private lastFailure: unknown = null;

  constructor(intervalMs: number | undefined, historyLength: number | undefined) {
    this.intervalMs = checkIntervalMs(intervalMs ?? 1000);
    this.points = new RingBuffer(checkHistoryLength(historyLength ?? DEFAULT_HISTORY_LENGTH));
  }

  /** True while the loop is ticking; listeners are not called after a stop(). */
  protected abstract isRunning(): boolean;

  /** The pace in ms. */
  getIntervalMs(): number {
    return this.intervalMs;
  }

  /** Change how many history points are kept, keeping the newest. */
  setHistoryLength(n: number): void {
    this.points.resize(checkHistoryLength(n));
  }

  /** The most recent snapshot, or null before the first tick. */
  latest(): Snapshot | null {
    return this.current;
  }

  /** The graph points, oldest first (a new array). */
  history(): HistoryPoint[] {
    return this.points.toArray();
  }

  /** Call `listener` after every tick; returns the function that stops it. */
  onSnapshot(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Median sampleMs over the last 60 ticks; null before the first. */
  medianSampleMs(): number | null {
    const costs = this.costs.toArray().sort((a, b) => a - b);
    if (costs.length === 0) return null;
    const mid = costs.length >> 1;
    return costs.length % 2 ? costs[mid]! : (costs[mid - 1]! + costs[mid]!) / 2;
  }

  /** Ticks, listeners or workers that failed (the loop kept going), and the last error. */
  errors(): { count: number; last: unknown } {
    return { count: this.failures, last: this.lastFailure };
  }

  /** Record a tick's snapshot and tell the listeners. */
  protected deliver(snapshot: Snapshot): void {
    this.current = snapshot;
    this.costs.push(snapshot.sampleMs);
    this.points.push(historyPointOf(snapshot));
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (err) {
        // A listener's bug must not stop sampling for everyone else.
        this.fail(err);
      }
      // A listener may have stopped the loop: nothing more is delivered after stop().
      if (!this.isRunning()) return;
    }
  }

  /** Count a failure; the loop goes on. */
  protected fail(err: unknown): void {
    this.failures++;
    this.lastFailure = err;
  }
}
