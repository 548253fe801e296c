/**
 * SamplerLoop: a sampler on a timer, with the latest snapshot and a bounded history for the graphs.
 * Ticks are chained setTimeouts scheduled from each tick's start, so they neither drift nor pile
 * up: a slow tick delays the next one, and missed ticks are skipped, never queued.
 */
import { createSampler, type Sampler, type SamplerOptions } from './sampler';
import { checkIntervalMs, SnapshotKeeper } from './snapshot-keeper';

export {
  checkHistoryLength,
  checkIntervalMs,
  COST_WINDOW,
  DEFAULT_HISTORY_LENGTH,
  MAX_HISTORY_LENGTH,
  MAX_INTERVAL_MS,
  MIN_INTERVAL_MS,
  type SnapshotListener,
} from './snapshot-keeper';

export interface SamplerLoopOptions {
  intervalMs?: number;
  historyLength?: number;
  /** Use this sampler instead of creating one (the loop closes it on stop()). */
  sampler?: Sampler;
  samplerOptions?: SamplerOptions;
}

/** Runs a sampler every intervalMs and keeps the latest snapshot and the graph history. */
export class SamplerLoop extends SnapshotKeeper {
  private sampler: Sampler | null;
  private readonly samplerOptions: SamplerOptions;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastTickStart = 0;

  constructor(options: SamplerLoopOptions = {}) {
    super(options.intervalMs, options.historyLength);
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

  /** Take the next sample now instead of at the next tick (the guard's trigger). */
  sampleNow(): void {
    if (this.running && this.timer) {
      clearTimeout(this.timer);
      this.tick();
    }
  }

  protected isRunning(): boolean {
    return this.running;
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    this.lastTickStart = performance.now();
    try {
      // After a stop() the sampler starts cold, but the numbering goes on: seq only ever increases.
      this.sampler ??= createSampler({ ...this.samplerOptions, intervalMs: this.intervalMs, firstSeq: (this.current?.seq ?? -1) + 1 });
      this.deliver(this.sampler.sample());
    } catch (err) {
      this.fail(err);
    }
    if (this.running) this.schedule();
  }

  private schedule(): void {
    const delay = Math.max(0, this.lastTickStart + this.intervalMs - performance.now());
    this.timer = setTimeout(() => this.tick(), delay);
  }
}
