/**
 * Reaps the person's own processes on a single long-lived worker thread, started on first use.
 *
 * The worker is an isolate of its own (~8 MiB resident with koffi loaded), so it is not started with
 * the service: a headless `headroom serve` or a guard that only warns never needs it. Whoever can
 * soon ask for a reap calls warm() first — a window's first contract call, auto-reap being on — so a
 * click never waits for the load (100–300 ms under load). A reap that arrives while the worker is
 * still loading waits for it: messages posted before the worker listens are queued, not lost.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReapRequest, ReapResult } from '../../contract/reap';
import type { WorkerRequest } from './worker';

/**
 * The compiled worker. When this module runs from source (vitest, tsx), the worker still has to be
 * JavaScript, so it is taken from the build in dist/ (npm test builds first).
 */
function workerPath(): string {
  const beside = join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  return join(__dirname, '..', '..', 'dist', 'main', 'reaper', 'worker.js');
}

type Pending = { resolve: (results: ReapResult[]) => void; reject: (err: Error) => void };

/** The worker-thread side of the reap service. */
export class InProcessReaper {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  /** The reaps waiting on the current worker; each worker has its own, so an old one's exit fails only its own. */
  private pending = new Map<number, Pending>();
  private nextId = 1;

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerPath());
    const pending = new Map<number, Pending>();
    this.ready = new Promise((resolve) => {
      const onReady = (message: { ready?: boolean }) => {
        if (!message.ready) return;
        worker.off('message', onReady);
        if (pending.size === 0) worker.unref();
        resolve();
      };
      worker.on('message', onReady);
      worker.once('exit', () => resolve());
    });
    worker.on('message', (message: { id: number; results?: ReapResult[]; error?: string }) => {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (pending.size === 0) worker.unref();
      if (message.results) entry.resolve(message.results);
      else entry.reject(new Error(message.error ?? 'the reap worker gave no answer'));
    });
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const entry of pending.values()) entry.reject(err);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the reap worker stopped (exit code ${code})`)));
    // The worker keeps the process alive only while it loads or a reap is pending (see reap()).
    this.worker = worker;
    this.pending = pending;
    return worker;
  }

  /**
   * Start the worker now rather than on the first reap (its start costs a few hundred ms under
   * load, which a person waiting on a reap should not pay). Resolves once it is loaded.
   */
  warm(): Promise<void> {
    this.ensureWorker();
    return this.ready!;
  }

  /** Run one reap on the worker (started here if it is not yet). */
  reap(request: ReapRequest, sessionCritical: readonly string[], endGraceMs: number): Promise<ReapResult[]> {
    const worker = this.ensureWorker();
    const pending = this.pending;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      const message: WorkerRequest = { id, request, sessionCritical: [...sessionCritical], endGraceMs };
      worker.postMessage(message);
    });
  }

  /** True once a worker was started (by warm() or a reap) and has not been closed or died. */
  get started(): boolean {
    return this.worker !== null;
  }

  /** Stop the worker (its pending reaps are rejected); a later reap or warm() starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }
}
