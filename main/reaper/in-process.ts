/** Reaps the person's own processes on a single long-lived worker thread (started on first use). */
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
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerPath());
    this.ready = new Promise((resolve) => {
      const onReady = (message: { ready?: boolean }) => {
        if (!message.ready) return;
        worker.off('message', onReady);
        if (this.pending.size === 0) worker.unref();
        resolve();
      };
      worker.on('message', onReady);
      worker.once('exit', () => resolve());
    });
    worker.on('message', (message: { id: number; results?: ReapResult[]; error?: string }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.results) pending.resolve(message.results);
      else pending.reject(new Error(message.error ?? 'the reap worker gave no answer'));
    });
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const pending of this.pending.values()) pending.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the reap worker stopped (exit code ${code})`)));
    // The worker keeps the process alive only while it loads or a reap is pending (see reap()).
    this.worker = worker;
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

  /** Run one reap on the worker. */
  reap(request: ReapRequest, sessionCritical: readonly string[], endGraceMs: number): Promise<ReapResult[]> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      const message: WorkerRequest = { id, request, sessionCritical: [...sessionCritical], endGraceMs };
      worker.postMessage(message);
    });
  }

  /** Stop the worker (pending reaps are rejected). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }
}
