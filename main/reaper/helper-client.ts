/**
 * The app's side of the resident privileged helper: `pkexec <helperPath>` is started once, on the
 * first reap that needs it, and kept for the session (one authorization). Requests carry ids; each
 * has a timeout. If the helper stops, the next request starts it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ReapErrorCode } from '../../contract/reap';
import type { HelperReply } from '../../native/helper/protocol';
import { lazyModule } from '../lazy-module';

// The helper's schemas (zod) load when the helper is first asked, not at start (lazy-module.ts).
const protocol = lazyModule<typeof import('../../native/helper/protocol')>('native/helper/protocol');

/** pkexec's own exit codes (see KERNEL.md): 126 dismissed, 127 not authorized / no agent. */
const PKEXEC_DISMISSED = 126;
const PKEXEC_NOT_AUTHORIZED = 127;
const PKEXEC = '/usr/bin/pkexec';
/** Long enough for a person to type a password. */
const AUTHORIZATION_TIMEOUT_MS = 5 * 60_000;

/** Why a request to the helper failed, as a reap error code and a sentence. */
export class HelperFailure extends Error {
  constructor(
    readonly code: ReapErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HelperFailure';
  }
}

/** How long a closed output waits for the exit that usually comes with it. */
const OUTPUT_CLOSED_GRACE_MS = 1000;

/** What a person can do after the helper went away in the middle of a request. */
const AFTER_A_LOST_HELPER = 'The process may or may not have been ended: refresh to see. The next reap of another user\'s process starts a new helper (and asks for authorization once more).';

type Pending = { resolve: (reply: HelperReply) => void; reject: (err: HelperFailure) => void; timer: NodeJS.Timeout };

function exitFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): HelperFailure {
  if (code === PKEXEC_DISMISSED) return new HelperFailure('DISMISSED', 'The administrator password dialog was closed; nothing was sent.');
  if (code === PKEXEC_NOT_AUTHORIZED) {
    return new HelperFailure('NOT_AUTHORIZED', "Not authorized to end other users' processes (polkit said no, or there was no authentication agent to ask).");
  }
  const detail = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  const how = signal ? `it was killed by ${signal}` : `exit code ${code}`;
  return new HelperFailure('INTERNAL', `The privileged helper stopped before it answered (${how})${detail ? `: ${detail}` : ''}. ${AFTER_A_LOST_HELPER}`);
}

/** One resident helper process at a time, started through pkexec on demand. */
export class HelperClient {
  private child: ChildProcess | null = null;
  private ready: Promise<ChildProcess> | null = null;
  private readyNow = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** How many times pkexec was started (each is one authorization). */
  spawnCount = 0;

  constructor(
    private readonly helperPath: string,
    private readonly onStateChange: () => void,
  ) {}

  /** True while a helper answered hello and is still running. */
  get running(): boolean {
    return this.readyNow;
  }

  /** The helper's pid as we see it (pkexec execs the helper, so it is the same process). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): Promise<ChildProcess> {
    const child = spawn(PKEXEC, [this.helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.spawnCount++;
    this.child = child;
    let stderr = '';
    let buffered = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4096);
    });
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.onLine(line);
      }
    });
    const stopped = (failure: HelperFailure): void => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = null;
      const wasReady = this.readyNow;
      this.readyNow = false;
      this.failAll(failure);
      if (wasReady) this.onStateChange();
    };
    child.on('error', (err: NodeJS.ErrnoException) =>
      stopped(err.code === 'ENOENT' ? new HelperFailure('HELPER_UNAVAILABLE', 'pkexec is not installed, so other users\' processes cannot be ended from here.') : new HelperFailure('INTERNAL', `Could not start pkexec: ${err.code ?? err.message}.`)),
    );
    child.on('exit', (code, signal) => stopped(exitFailure(code, signal, stderr)));
    // Its output closed while it runs: no answer can ever arrive, so fail now instead of at the
    // timeout, and close its input so it exits (it runs as root: we cannot kill it).
    // A process that exits closes its output too: give 'exit' a moment to report the real reason
    // (pkexec's dismissed / not authorized codes) before calling it a closed output.
    child.stdout!.on('close', () => {
      setTimeout(() => {
        if (this.child !== child) return;
        stopped(new HelperFailure('INTERNAL', `The privileged helper stopped answering (its output closed). ${AFTER_A_LOST_HELPER}`));
        child.stdin!.end();
      }, OUTPUT_CLOSED_GRACE_MS);
    });
    child.stdin!.on('error', () => {}); // EPIPE when it died: reported through 'exit'.
    return this.send({ op: 'hello' }, AUTHORIZATION_TIMEOUT_MS, child).then((reply) => {
      if (!protocol().HelloReplySchema.safeParse(reply).success) throw new HelperFailure('INTERNAL', 'The privileged helper did not answer hello as expected.');
      this.readyNow = true;
      this.onStateChange();
      return child;
    });
  }

  private onLine(line: string): void {
    let reply: HelperReply;
    try {
      reply = protocol().HelperReplySchema.parse(JSON.parse(line));
    } catch {
      return; // Not ours to act on; the request will time out and say so.
    }
    if (reply.id === null) return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    pending.resolve(reply);
  }

  private failAll(failure: HelperFailure): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(failure);
    }
    this.pending.clear();
  }

  private send(body: Record<string, unknown>, timeoutMs: number, child: ChildProcess): Promise<HelperReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HelperFailure('INTERNAL', `The privileged helper did not answer within ${Math.round(timeoutMs / 1000)} s; it is restarted on the next reap.`));
        // A stuck helper is not reused: closing stdin makes it exit once it is done.
        if (this.child === child) child.stdin!.end();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.stdin!.write(JSON.stringify({ id, ...body }) + '\n');
    });
  }

  /** Send one request (starting the helper through pkexec if needed) and return its reply. */
  async request(body: Record<string, unknown>, timeoutMs: number): Promise<HelperReply> {
    this.ready ??= this.start();
    const child = await this.ready;
    return this.send(body, timeoutMs, child);
  }

  /** Close the helper's stdin (it exits 0) and wait for it, at most `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }
}
