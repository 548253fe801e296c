/**
 * The app's side of the privileged helper: `pkexec <helperPath>` is started on the first reap that
 * needs it and kept while it is used. Requests carry ids; each has a timeout.
 *
 * - Before the first pkexec this process makes itself non-dumpable (prctl PR_SET_DUMPABLE 0): our
 *   end of the helper's stdin is a root channel, and any other process of the same user could
 *   otherwise take it — open /proc/<our pid>/fd/N (a pipe; Node's stdio socketpair gives ENXIO
 *   there) or copy it with pidfd_getfd(2) or ptrace — and send requests. From then on
 *   /proc/<our pid>/ belongs to root: other processes of the user cannot open its fd, maps, io or
 *   environ, nor ptrace it (debuggers, crash dumpers); this process still reads its own stat, statm,
 *   status, cmdline, cgroup, oom_score, maps, smaps and fd, but no longer its own io, environ, auxv,
 *   pagemap, mem, stack or task/TID/syscall (the guard's search for its poll thread then finds
 *   nothing; raising that thread needs privilege anyway). It stays so until the process exits.
 * - The helper leaves after 5 min without a request (native/helper/lines.ts); the next request starts
 *   a new one. A request it left without reading is sent again to the new one (once).
 * - A helper that timed out is forgotten at once (its input is closed so it exits when done): the
 *   next request starts a new one instead of writing to a closed pipe.
 * - The helper answers lines in order; an error it cannot tie to an id (a line over 64 KiB, say)
 *   belongs to the oldest request it has not answered yet, which gets that error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ReapErrorCode } from '../../contract/reap';
import { HELPER_IDLE_EXIT_CODE } from '../../native/helper/lines';
import type { HelperReply } from '../../native/helper/protocol';
import { lazyModule } from '../lazy-module';

// The helper's schemas (zod) load when the helper is first asked, not at start (lazy-module.ts);
// koffi (for prctl) just before the first pkexec, so the main thread does not load it otherwise.
const protocol = lazyModule<typeof import('../../native/helper/protocol')>('native/helper/protocol');
const syscalls = lazyModule<typeof import('../../native/syscalls')>('native/syscalls');

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

type Pending = {
  resolve: (reply: HelperReply) => void;
  reject: (err: HelperFailure) => void;
  /** Its timeout, running once the helper is on it (null while it waits behind others: arm()). */
  timer: NodeJS.Timeout | null;
  /** Start the timeout (no-op once started). */
  arm: () => void;
  /** Send the request again to a new helper; absent for hello and for a request already sent again. */
  resend?: () => Promise<HelperReply>;
};

/** One helper process and the requests written to it. */
interface Helper {
  child: ChildProcess;
  pending: Map<number, Pending>;
  /** Ids written and not answered yet, oldest first (timed-out ones too: the helper still answers them in order). */
  unanswered: number[];
  readyNow: boolean;
  /** Its exit (or a failure to start) was seen. */
  gone: boolean;
}

function exitFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): HelperFailure {
  if (code === PKEXEC_DISMISSED) return new HelperFailure('DISMISSED', 'The administrator password dialog was closed; nothing was sent.');
  if (code === PKEXEC_NOT_AUTHORIZED) {
    return new HelperFailure('NOT_AUTHORIZED', "Not authorized to end other users' processes (polkit said no, or there was no authentication agent to ask).");
  }
  const detail = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  const how = signal ? `it was killed by ${signal}` : `exit code ${code}`;
  return new HelperFailure('INTERNAL', `The privileged helper stopped before it answered (${how})${detail ? `: ${detail}` : ''}. ${AFTER_A_LOST_HELPER}`);
}

/** Options for tests. */
export interface HelperClientOptions {
  /** Ask each helper to leave after this much idle time instead of its 5 min (it can only shorten it). */
  idleMs?: number;
}

/** At most one current helper, started through pkexec on demand. */
export class HelperClient {
  private current: Helper | null = null;
  private starting: Promise<Helper> | null = null;
  private nextId = 1;
  /** How many times pkexec was started (each is one authorization, or one use of a kept one). */
  spawnCount = 0;

  constructor(
    private readonly helperPath: string,
    private readonly onStateChange: () => void,
    private readonly options: HelperClientOptions = {},
  ) {}

  /** True while a helper answered hello and is still running. */
  get running(): boolean {
    return this.current?.readyNow ?? false;
  }

  /** The current helper's pid as we see it (pkexec execs the helper, so it is the same process). */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /** Other processes of this user must not reach the helper's input through us (/proc/<pid>/fd, pidfd_getfd, ptrace). */
  private protectPipes(): void {
    try {
      syscalls().makeNonDumpable();
    } catch (err) {
      const code = (err as { code?: string }).code ?? String(err);
      throw new HelperFailure('INTERNAL', `Could not keep other programs away from the privileged helper's input (prctl PR_SET_DUMPABLE: ${code}), so it was not started; nothing was sent.`);
    }
  }

  private start(): Promise<Helper> {
    try {
      this.protectPipes();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const child = spawn(PKEXEC, [this.helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.spawnCount++;
    const helper: Helper = { child, pending: new Map(), unanswered: [], readyNow: false, gone: false };
    this.current = helper;
    let stderr = '';
    let buffered = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4096);
    });
    // setEncoding: a UTF-8 character split across two reads is decoded whole (StringDecoder).
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.onLine(helper, line);
      }
    });
    const stopped = (failure: HelperFailure): void => {
      helper.gone = true;
      this.retire(helper);
      this.failAll(helper, failure);
    };
    child.on('error', (err: NodeJS.ErrnoException) =>
      stopped(err.code === 'ENOENT' ? new HelperFailure('HELPER_UNAVAILABLE', 'pkexec is not installed, so other users\' processes cannot be ended from here.') : new HelperFailure('INTERNAL', `Could not start pkexec: ${err.code ?? err.message}.`)),
    );
    // At its exit no new request goes to it; what it answered before is still read: the pending
    // ones are settled at 'close', once every stdio stream has ended (or a moment after the exit,
    // should something else still hold its output).
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      // Left after being idle: whatever is still unanswered was never read; a new helper gets it.
      if (code === HELPER_IDLE_EXIT_CODE) this.resendAll(helper);
      else stopped(exitFailure(code, signal, stderr));
    };
    child.on('exit', (code, signal) => {
      helper.gone = true;
      this.retire(helper);
      setTimeout(() => settle(code, signal), OUTPUT_CLOSED_GRACE_MS).unref();
    });
    child.on('close', settle);
    // Its output closed while it runs: no answer can ever arrive, so fail now instead of at the
    // timeout, and close its input so it exits (it runs as root: we cannot kill it).
    // A process that exits closes its output too: give 'exit' a moment to report the real reason
    // (pkexec's dismissed / not authorized codes) before calling it a closed output.
    child.stdout!.on('close', () => {
      setTimeout(() => {
        if (helper.gone) return;
        stopped(new HelperFailure('INTERNAL', `The privileged helper stopped answering (its output closed). ${AFTER_A_LOST_HELPER}`));
        child.stdin!.end();
      }, OUTPUT_CLOSED_GRACE_MS);
    });
    child.stdin!.on('error', () => {}); // EPIPE when it died: reported through 'exit'.
    const hello = this.options.idleMs !== undefined ? { op: 'hello', idleMs: this.options.idleMs } : { op: 'hello' };
    return this.send(helper, hello, AUTHORIZATION_TIMEOUT_MS).then((reply) => {
      if (!protocol().HelloReplySchema.safeParse(reply).success) {
        this.retire(helper);
        child.stdin!.end();
        throw new HelperFailure('INTERNAL', 'The privileged helper did not answer hello as expected.');
      }
      helper.readyNow = true;
      if (this.current === helper) this.onStateChange();
      return helper;
    });
  }

  /** This helper takes no new requests: the next one starts another. */
  private retire(helper: Helper): void {
    if (this.current !== helper) return;
    this.current = null;
    this.starting = null;
    if (helper.readyNow) this.onStateChange();
  }

  private onLine(helper: Helper, line: string): void {
    let reply: HelperReply;
    try {
      reply = protocol().HelperReplySchema.parse(JSON.parse(line));
    } catch {
      return; // Not ours to act on; the request will time out and say so.
    }
    let id: number | undefined;
    if (reply.id === null) {
      // It could not read an id (a line over 64 KiB, not UTF-8, not JSON). It answers lines in
      // order, so this is the answer to the oldest line it has not answered yet.
      id = helper.unanswered.shift();
    } else {
      id = reply.id;
      const index = helper.unanswered.indexOf(id);
      if (index !== -1) helper.unanswered.splice(index, 1);
    }
    // The helper answers in order: the next unanswered request is the one it works on now.
    this.armHead(helper);
    const pending = id === undefined ? undefined : helper.pending.get(id);
    if (!pending) return;
    helper.pending.delete(id!);
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve(reply);
  }

  /** Start the timeout of the request the helper works on now (the oldest unanswered one). */
  private armHead(helper: Helper): void {
    const head = helper.unanswered[0];
    if (head !== undefined) helper.pending.get(head)?.arm();
  }

  private failAll(helper: Helper, failure: HelperFailure): void {
    for (const pending of helper.pending.values()) {
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(failure);
    }
    helper.pending.clear();
  }

  /** After an idle exit: what it never read goes to a new helper, once. */
  private resendAll(helper: Helper): void {
    const unread = [...helper.pending.values()];
    helper.pending.clear();
    for (const pending of unread) {
      if (pending.timer) clearTimeout(pending.timer);
      if (pending.resend) pending.resend().then(pending.resolve, pending.reject);
      else pending.reject(new HelperFailure('INTERNAL', 'The privileged helper left (it had been idle) before it read the request; nothing was sent. Try again.'));
    }
  }

  private send(helper: Helper, body: Record<string, unknown>, timeoutMs: number, resend?: () => Promise<HelperReply>): Promise<HelperReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The helper takes requests one at a time: a request's time starts when the helper gets to it,
      // not when it was queued behind another (two End reaps with a 60 s grace take 130 s).
      const pending: Pending = {
        resolve,
        reject,
        timer: null,
        arm: () => {
          if (pending.timer !== null || !helper.pending.has(id)) return;
          pending.timer = setTimeout(() => {
            if (!helper.pending.delete(id)) return;
            // Written, so it may still be carried out: say so rather than "failed".
            reject(new HelperFailure('INTERNAL', `The privileged helper did not answer within ${Math.round(timeoutMs / 1000)} s of starting on this request. It may still end the process when it gets to it: check the table before trying again. A new helper is started on the next reap.`));
            // A stuck helper is not reused: the next request starts a new one, and closing its input
            // makes this one exit once it is done (its other requests are still answered or failed,
            // each with its own timeout from now).
            this.retire(helper);
            helper.child.stdin!.end();
            for (const other of helper.pending.values()) other.arm();
          }, timeoutMs);
        },
        ...(resend ? { resend } : {}),
      };
      helper.pending.set(id, pending);
      helper.unanswered.push(id);
      if (helper.unanswered.length === 1) pending.arm();
      helper.child.stdin!.write(JSON.stringify({ id, ...body }) + '\n', (err) => {
        // Not written (it died): nothing was sent. Its exit reports the rest.
        if (!err || !helper.pending.has(id)) return;
        helper.pending.delete(id);
        if (pending.timer) clearTimeout(pending.timer);
        pending.reject(new HelperFailure('INTERNAL', `Could not send the request to the privileged helper (${(err as NodeJS.ErrnoException).code ?? err!.message}); nothing was sent. Try again: the next reap starts a new helper.`));
      });
    });
  }

  /** The current helper once it answered hello, starting one if there is none. */
  private ready(): Promise<Helper> {
    if (!this.starting) {
      const starting = this.start();
      this.starting = starting;
      // A failed start is not kept: the next request tries again.
      starting.catch(() => {
        if (this.starting === starting) this.starting = null;
      });
    }
    return this.starting;
  }

  /** Send one request (starting the helper through pkexec if needed) and return its reply. */
  request(body: Record<string, unknown>, timeoutMs: number): Promise<HelperReply> {
    return this.requestOn(body, timeoutMs, true);
  }

  private async requestOn(body: Record<string, unknown>, timeoutMs: number, mayResend: boolean): Promise<HelperReply> {
    let helper = await this.ready();
    // It left (or was given up) between its hello and now: start a new one.
    if (helper !== this.current) helper = await this.ready();
    return this.send(helper, body, timeoutMs, mayResend ? () => this.requestOn(body, timeoutMs, false) : undefined);
  }

  /** Close the current helper's stdin (it exits 0) and wait for it, at most `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    const helper = this.current;
    if (!helper || helper.gone || helper.child.exitCode !== null || helper.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => helper.child.once('exit', () => resolve()));
    helper.child.stdin!.end();
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }
}
