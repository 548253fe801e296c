/**
 * The main-thread side of the trigger thread (trigger-worker.ts): starts it, hands it the app groups
 * of each snapshot (only when the set changes), and turns its messages into callbacks. If the thread
 * cannot start or fails, the guard says so and keeps working from the sampler's snapshots alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromTriggerWorker, ToTriggerWorker, TriggerWorkerData } from './trigger-messages';

/** The windows tried by default: sub-second (needs CAP_SYS_RESOURCE), then 2 s multiples. */
export const DEFAULT_WINDOWS_MS = [500, 1000, 2000, 4000];
/** Poll mode reads the system PSI file this often. */
export const DEFAULT_POLL_MS = 500;

/** What the trigger thread reports. */
export interface TriggerCallbacks {
  mode(message: Extract<FromTriggerWorker, { type: 'mode' }>): void;
  fired(source: string, time: number): void;
  gone(cgroup: string): void;
  failed(message: string): void;
}

export interface TriggerWatchOptions extends Partial<TriggerWorkerData> {
  stallShare: number;
}

/**
 * The compiled worker. When this module runs from source (vitest, tsx), the worker still has to be
 * JavaScript, so it is taken from the build in dist/.
 */
function workerPath(): string {
  const beside = join(__dirname, 'trigger-worker.js');
  if (existsSync(beside)) return beside;
  return join(__dirname, '..', '..', 'dist', 'main', 'guard', 'trigger-worker.js');
}

/** A running trigger thread. */
export class TriggerWatch {
  private worker: Worker | null = null;
  private groupsKey = '';

  constructor(
    private readonly options: TriggerWatchOptions,
    private readonly callbacks: TriggerCallbacks,
  ) {}

  /** Start the thread; the first message says which mode is in force. */
  start(): void {
    if (this.worker) return;
    const data: TriggerWorkerData = {
      systemPath: this.options.systemPath ?? '/proc/pressure/memory',
      cgroupMount: this.options.cgroupMount ?? null,
      windowsMs: this.options.windowsMs ?? DEFAULT_WINDOWS_MS,
      stallShare: this.options.stallShare,
      pollMs: this.options.pollMs ?? DEFAULT_POLL_MS,
      raisePriority: this.options.raisePriority ?? true,
    };
    let worker: Worker;
    try {
      worker = new Worker(workerPath(), { workerData: data });
    } catch (err) {
      this.callbacks.failed(`the trigger thread could not start: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.worker = worker;
    // The guard must never be what keeps a process alive.
    worker.unref();
    worker.on('message', (message: FromTriggerWorker) => {
      if (worker !== this.worker) return;
      if (message.type === 'mode') this.callbacks.mode(message);
      else if (message.type === 'fired') this.callbacks.fired(message.source, message.time);
      else if (message.type === 'gone') this.callbacks.gone(message.cgroup);
      else this.callbacks.failed(message.message);
    });
    worker.on('error', (err) => {
      if (worker === this.worker) this.callbacks.failed(`the trigger thread failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      this.worker = null;
      if (code !== 0) this.callbacks.failed(`the trigger thread stopped (exit code ${code})`);
    });
  }

  /** Watch exactly these app groups (cgroup v2 paths); sent only when the set changed. */
  setGroups(cgroups: readonly string[]): void {
    const sorted = [...new Set(cgroups)].sort();
    const key = sorted.join('\n');
    if (key === this.groupsKey || !this.worker) return;
    this.groupsKey = key;
    this.send({ type: 'groups', cgroups: sorted });
  }

  /** Stop the thread (its fds close, the triggers die with them). */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    try {
      worker.postMessage({ type: 'stop' } satisfies ToTriggerWorker);
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => void worker.terminate(), 2000);
    timer.unref();
    worker.once('exit', () => clearTimeout(timer));
  }

  private send(message: ToTriggerWorker): void {
    this.worker?.postMessage(message);
  }
}
