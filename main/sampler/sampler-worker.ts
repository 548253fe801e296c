/**
 * The sampler worker: one thread that owns a sampler and its timer, so a tick (18–51 ms warm and up
 * to 1.6 s cold at 2,000 processes, docs/BENCHMARKS.md) never blocks the hosting process's main
 * thread. Started by WorkerSamplerLoop (worker-loop.ts) with SamplerWorkerData; one worker is one run
 * of the loop, from start() to stop().
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSampler, type Sampler, type SamplerOptions } from './sampler';
import { SnapshotEncoder, type SnapshotDelta } from './snapshot-delta';

/** What the worker is started with. */
export interface SamplerWorkerData {
  intervalMs: number;
  /** The seq of the first snapshot: a restarted loop continues its numbering. */
  firstSeq: number;
  /** Plain data only: it is copied to the worker by structured clone. */
  samplerOptions: SamplerOptions;
}

/** Main thread → worker. */
export type ToSamplerWorker = { type: 'interval'; ms: number } | { type: 'now' } | { type: 'resync' } | { type: 'stop' };

/** A failed tick's error, as plain data (an Error does not cross threads with its code intact). */
export interface TickFailure {
  message: string;
  stack?: string;
  code?: string;
}

/** Worker → main thread: each tick as a delta from the previous one (the first one full, see snapshot-delta.ts). */
export type FromSamplerWorker = { type: 'delta'; delta: SnapshotDelta } | { type: 'tickFailed'; error: TickFailure };

if (!parentPort) throw new Error('main/sampler/sampler-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as SamplerWorkerData;

let sampler: Sampler | null = null;
let encoder = new SnapshotEncoder();
let intervalMs = data.intervalMs;
let timer: NodeJS.Timeout | null = null;
let lastTickStart = 0;
let stopped = false;

function failureOf(err: unknown): TickFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  return { message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
}

// The same pacing as SamplerLoop: each tick is scheduled from the previous tick's start, so ticks
// neither drift nor pile up (a slow tick delays the next; missed ticks are skipped).
function tick(): void {
  timer = null;
  if (stopped) return;
  lastTickStart = performance.now();
  try {
    sampler ??= createSampler({ ...data.samplerOptions, intervalMs, firstSeq: data.firstSeq });
    const delta = encoder.encode(sampler.sample());
    const message: FromSamplerWorker = { type: 'delta', delta };
    // The PID list moves to the main thread instead of being copied.
    port.postMessage(message, [delta.pids.buffer as ArrayBuffer]);
  } catch (err) {
    const message: FromSamplerWorker = { type: 'tickFailed', error: failureOf(err) };
    port.postMessage(message);
  }
  if (!stopped) schedule();
}

function schedule(): void {
  timer = setTimeout(tick, Math.max(0, lastTickStart + intervalMs - performance.now()));
}

port.on('message', (message: ToSamplerWorker) => {
  if (message.type === 'interval') {
    intervalMs = message.ms;
    sampler?.setIntervalMs(message.ms);
    if (timer) {
      clearTimeout(timer);
      schedule();
    }
  } else if (message.type === 'now') {
    // A tick in progress cannot be here (ticks are synchronous); without a timer we are stopped.
    if (timer) {
      clearTimeout(timer);
      tick();
    }
  } else if (message.type === 'resync') {
    // The next tick is sent in full.
    encoder = new SnapshotEncoder();
  } else if (message.type === 'stop') {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    // The fds belong to the process, not the thread: they must be closed here, before the worker ends.
    sampler?.close();
    sampler = null;
    // Nothing left to wait for: the thread ends.
    port.close();
  }
});

tick();
