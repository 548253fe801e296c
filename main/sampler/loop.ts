/**
 * SamplerLoop: a sampler on a timer, with the latest snapshot and a bounded history for the graphs.
 * Ticks are chained setTimeouts scheduled from each tick's start, so they neither drift nor pile
 * up: a slow tick delays the next one, and missed ticks are skipped, never queued.
 */
import { historyPointOf, type HistoryPoint } from '../../contract/history';
import type { Snapshot } from '../../contract/snapshot';
import { RingBuffer } from './ring-buffer';
import { createSampler, type Sampler, type SamplerOptions } from './sampler';

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 10_000;
export const DEFAULT_HISTORY_LENGTH = 600;
export const MAX_HISTORY_LENGTH = 86_400;
/** Ticks over which medianSampleMs() is taken. */
export const COST_WINDOW = 60;

export interface SamplerLoopOptions {
  intervalMs?: number;
  historyLength?: number;
  /** Use this sampler instead of creating one (the loop closes it on stop()). */
  sampler?: Sampler;
  samplerOptions?: SamplerOptions;
}

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

/** Runs a sampler every intervalMs and keeps the latest snapshot and the graph history. */
export class SamplerLoop {
  private sampler: Sampler | null;
  private readonly samplerOptions: SamplerOptions;
  private intervalMs: number;
  private readonly points: RingBuffer<HistoryPoint>;
  private readonly costs = new RingBuffer<number>(COST_WINDOW);
  private readonly listeners = new Set<SnapshotListener>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastTickStart = 0;
  private current: Snapshot | null = null;
  private failures = 0;
  private lastFailure: unknown = null;

  constructor(options: SamplerLoopOptions = {}) {
    this.intervalMs = checkIntervalMs(options.intervalMs ?? 1000);
    this.points = new RingBuffer(checkHistoryLength(options.historyLength ?? DEFAULT_HISTORY_LENGTH));
    this.sampler = options.sampler ?? null;
    this.samplerOptions = options.samplerOptions ?? {};
  }

  /** Start ticking (the first tick runs at once). Calling it while running does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stop ticking and close the sampler's fds; start() again begins with a cold sampler (seq continues). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sampler?.close();
    this.sampler = null;
  }

  /** Change the pace (250–10000 ms); the next tick is rescheduled from the last tick's start. */
  setIntervalMs(ms: number): void {
    this.intervalMs = checkIntervalMs(ms);
    this.sampler?.setIntervalMs(ms);
    if (this.running && this.timer) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

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

  /** Ticks that threw (the loop kept going), and the last error. */
  errors(): { count: number; last: unknown } {
    return { count: this.failures, last: this.lastFailure };
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    this.lastTickStart = performance.now();
    try {
      // After a stop() the sampler starts cold, but the numbering goes on: seq only ever increases.
      this.sampler ??= createSampler({ ...this.samplerOptions, intervalMs: this.intervalMs, firstSeq: (this.current?.seq ?? -1) + 1 });
      const snapshot = this.sampler.sample();
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
      }
    } catch (err) {
      this.fail(err);
    }
    if (this.running) this.schedule();
  }

  private fail(err: unknown): void {
    this.failures++;
    this.lastFailure = err;
  }

  private schedule(): void {
    const delay = Math.max(0, this.lastTickStart + this.intervalMs - performance.now());
    this.timer = setTimeout(() => this.tick(), delay);
  }
}
