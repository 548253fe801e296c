/**
 * WorkerSamplerLoop: SamplerLoop's behaviour with the sampling on a worker thread. The worker
 * (sampler-worker.ts) owns the sampler and the timer and posts each Snapshot; this side keeps the
 * latest snapshot, the graph history and the cost median, and calls the listeners — so the hosting
 * process's main thread (Electron's IPC and window machinery) never waits for /proc.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SamplerLoopLike } from '../service/types';
import type { SamplerOptions } from './sampler';
import { SnapshotDecoder } from './snapshot-delta';
import { checkIntervalMs, SnapshotKeeper } from './snapshot-keeper';
import type { FromSamplerWorker, SamplerWorkerData, TickFailure, ToSamplerWorker } from './sampler-worker';

/**
 * The worker's young generation, capped: every tick allocates a few MiB of short-lived strings and rows,
 * and left alone V8 grows the young generation to tens of MiB that stay resident. Capped at 4 MiB the
 * whole process was 109 MiB instead of 134 MiB after a minute at 4,600 processes, for no measurable
 * CPU (docs/BENCHMARKS.md, "Footprint"). The old generation is not capped: a huge process table must
 * not kill the worker.
 */
const SAMPLER_YOUNG_GENERATION_MB = 4;
/** A stopped worker closes its fds and ends on its own; this is only for one stuck in a bug. */
const RETIRE_TIMEOUT_MS = 30_000;

export interface WorkerSamplerLoopOptions {
  intervalMs?: number;
  historyLength?: number;
  /** Options for the worker's sampler (plain data: they are copied to the worker). */
  samplerOptions?: SamplerOptions;
}

/**
 * The compiled worker. When this module runs from source (vitest, tsx), the worker still has to be
 * JavaScript, so it is taken from the build in dist/ (npm test builds first).
 */
function workerPath(): string {
  const beside = join(__dirname, 'sampler-worker.js');
  if (existsSync(beside)) return beside;
  return join(__dirname, '..', '..', 'dist', 'main', 'sampler', 'sampler-worker.js');
}

function errorOf(failure: TickFailure): Error {
  const err: NodeJS.ErrnoException = new Error(failure.message);
  if (failure.stack) err.stack = failure.stack;
  if (failure.code) err.code = failure.code;
  return err;
}

/** Runs a sampler every intervalMs on a worker thread and keeps the latest snapshot and the graph history. */
export class WorkerSamplerLoop extends SnapshotKeeper implements SamplerLoopLike {
  private readonly samplerOptions: SamplerOptions;
  /** The worker of the current run; null while stopped or between a crash and its restart. */
  private worker: Worker | null = null;
  /**
   * A stopped worker still ending (it finishes the sample in hand, ≤ RETIRE_TIMEOUT_MS); while one
   * is, start() waits for it instead of spawning beside it.
   */
  private retiring: Worker | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private running = false;
  /** Rebuilds each tick's snapshot from the worker's deltas; reset for every new worker. */
  private readonly decoder = new SnapshotDecoder();

  constructor(options: WorkerSamplerLoopOptions = {}) {
    super(options.intervalMs, options.historyLength);
    this.samplerOptions = options.samplerOptions ?? {};
  }

  /**
   * Start ticking: a worker starts and takes the first sample at once (it arrives asynchronously,
   * unlike SamplerLoop's, which runs inside start()). Calling it while running does nothing. Right
   * after a stop() the new worker starts once the stopped one has ended, so pausing and resuming
   * in a fast loop (a page sending setPaused on and off) never holds more than two sampler threads;
   * each used to add one, and a few hundred toggles took the process to gigabytes.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.retiring === null) this.spawn();
  }

  /**
   * Stop ticking: no snapshot is delivered after this returns. The worker closes its sampler's fds
   * and ends by itself, and no longer keeps the process alive. start() again begins with a cold
   * sampler on a new worker (seq continues).
   */
  stop(): void {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    this.retiring = worker;
    retire(worker, () => {
      if (this.retiring !== worker) return;
      this.retiring = null;
      if (this.running && this.worker === null && this.restartTimer === null) this.spawn();
    });
  }

  /** Change the pace (250–10000 ms); the worker reschedules its next tick from its last tick's start. */
  setIntervalMs(ms: number): void {
    this.intervalMs = checkIntervalMs(ms);
    this.send({ type: 'interval', ms });
  }

  /** Take the next sample now instead of at the next tick (the guard's trigger); the pace is kept from it. */
  sampleNow(): void {
    this.send({ type: 'now' });
  }

  protected isRunning(): boolean {
    return this.running;
  }

  private spawn(): void {
    const data: SamplerWorkerData = {
      intervalMs: this.intervalMs,
      // After a stop() or a crash the sampler starts cold, but the numbering goes on.
      firstSeq: (this.current?.seq ?? -1) + 1,
      samplerOptions: this.samplerOptions,
    };
    let worker: Worker;
    try {
      worker = new Worker(workerPath(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: SAMPLER_YOUNG_GENERATION_MB } });
    } catch (err) {
      // E.g. too many threads, or the build is missing: counted, and tried again next tick.
      this.crashed(err);
      return;
    }
    this.worker = worker;
    this.decoder.reset();
    // Messages from a worker that was stopped (or replaced) are dropped: they belong to an old run.
    worker.on('message', (message: FromSamplerWorker) => {
      if (worker === this.worker) this.receive(message);
    });
    worker.on('messageerror', (err) => {
      if (worker === this.worker) this.fail(err);
    });
    // 'error' (an uncaught exception, e.g. out of memory) is followed by 'exit'; the first one counts.
    worker.on('error', (err) => {
      if (worker === this.worker) this.crashed(err);
    });
    worker.on('exit', (code) => {
      if (worker === this.worker) this.crashed(new Error(`the sampler worker stopped unexpectedly (exit code ${code})`));
    });
  }

  private receive(message: FromSamplerWorker): void {
    if (message.type === 'tickFailed') {
      this.fail(errorOf(message.error));
      return;
    }
    let snapshot;
    try {
      snapshot = this.decoder.apply(message.delta);
    } catch (err) {
      // Cannot happen with one ordered port per worker; if it ever does, count it, skip the tick and
      // ask for a full snapshot next.
      this.fail(err);
      this.send({ type: 'resync' });
      return;
    }
    this.deliver(snapshot);
  }

  /** The worker died or could not start: count it, and start a new one an interval later. */
  private crashed(err: unknown): void {
    // A worker that died needs no stop message (and one that never started has nothing to stop);
    // unref so that, if it is still ending, it does not hold the process.
    this.worker?.unref();
    this.worker = null;
    this.fail(err);
    if (!this.running || this.restartTimer) return;
    // One interval from the crash, not from the last tick: a worker that dies at once must not respawn in a tight loop.
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.running && !this.worker) this.spawn();
    }, this.intervalMs);
  }

  private send(message: ToSamplerWorker): void {
    this.worker?.postMessage(message);
  }
}

/** Ask a worker to close its sampler and end; it no longer keeps the process alive. `ended` runs once it has. */
function retire(worker: Worker, ended: () => void): void {
  worker.unref();
  try {
    const stop: ToSamplerWorker = { type: 'stop' };
    worker.postMessage(stop);
  } catch {
    // Already gone.
  }
  const timer = setTimeout(() => void worker.terminate(), RETIRE_TIMEOUT_MS);
  timer.unref();
  worker.once('exit', () => {
    clearTimeout(timer);
    ended();
  });
}
