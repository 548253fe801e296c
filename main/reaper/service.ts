/**
 * The reap service main/ hosts: routes each target to where it can be reaped. The person's own
 * processes (or everything, when Headroom runs as root) go to the in-process worker; other users'
 * go to the privileged helper through pkexec (kept while it is used: helper-client.ts). Results
 * always follow contract/reap.ts.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { ReapErrorCode, ReapRequest, ReapRequestInput, ReapResponse, ReapResult } from '../../contract/reap';
import { commOf } from '../../contract/session-critical';
import type { PrivilegeMode } from '../../contract/status';
import { HELPER_INSTALL_PATH } from '../../native/polkit/paths';
import { runsInstalled } from '../installed';
import { ownerUid, readStat } from '../../native/proc';
import { refusedResult } from '../../native/reap-result';
import { HelperClient, HelperFailure } from './helper-client';
import { InProcessReaper } from './in-process';
import { lazyModule } from '../lazy-module';

// The schemas (zod) load with the first reap, not at start (lazy-module.ts).
const reapContract = lazyModule<typeof import('../../contract/reap')>('contract/reap');
const helperProtocol = lazyModule<typeof import('../../native/helper/protocol')>('native/helper/protocol');

export interface ReapServiceOptions {
  /** The session-critical names in force (settings); read at each reap. */
  sessionCritical: () => readonly string[];
  /** The grace period for `end` in force (settings); read at each reap. */
  endGraceMs: () => number;
  /** The helper pkexec runs. Default HELPER_INSTALL_PATH; tests override it with HEADROOM_HELPER_PATH. */
  helperPath?: string;
  /** Tests: ask each helper to leave after this much idle time instead of 5 min (it can only be shortened). */
  helperIdleMs?: number;
}

export interface ReapService {
  /** Reap or end the targets; one result per target, in order. Never rejects for a target's failure. */
  reap(request: ReapRequestInput): Promise<ReapResponse>;
  /** How reaps of other users' processes would go right now. */
  privilege(): PrivilegeMode;
  /** Called whenever privilege() changes (helper started or stopped). Returns the unsubscribe function. */
  onPrivilegeChange(listener: (mode: PrivilegeMode) => void): () => void;
  /** How many times pkexec was started in this service's life (one per authorization). */
  helperStarts(): number;
  /**
   * Load the in-process reap worker now, so the next reap does not wait for it (a window opened,
   * auto-reap turned on), and, once, right after this call (setImmediate), run the main thread's
   * part of a reap before the hand-off — the request's validation, the owner lookup — and the
   * result's validation on a sample that is never sent anywhere: their first run costs ~2–4 ms of
   * CPU (zod compiling each schema's parser, first reads), which the first real reap would
   * otherwise pay before its SIGKILL, stretched to 30 ms and more on a busy CPU (docs/BENCHMARKS.md,
   * "First reap"). Reaps also start the worker; until one of the two happens it costs nothing.
   * Callers have zod loaded already (a validated call, a parsed settings file, the guard's events).
   */
  warm(): void;
  /** Stop the worker and the helper (closes its stdin and waits for it to exit). */
  close(): Promise<void>;
}

/** Extra time a helper request may take beyond the end grace period (mrelease + exit waits). */
const HELPER_REQUEST_SLACK_MS = 30_000;

/**
 * The session-critical names as the helper compares them (comm: 15 characters), once each: the
 * longest list the settings allow (256 names of 64 characters, each a 6-byte JSON escape) would
 * otherwise make a request over the helper's 64 KiB line limit.
 */
function asComm(names: readonly string[]): string[] {
  return [...new Set(names.map(commOf))];
}

/**
 * The helper pkexec is asked to run: HELPER_INSTALL_PATH, or HEADROOM_HELPER_PATH — the one override,
 * for tests that install their own helper — when it is an absolute path and this code does not run
 * from an installed app (app.asar, or its unpacked files): there, whoever could set the app's environment could have the
 * Reap button ask for the administrator password to run another program.
 */
export function helperPathFrom(env: NodeJS.ProcessEnv, moduleDir: string): string {
  const override = env.HEADROOM_HELPER_PATH;
  const installed = runsInstalled(moduleDir);
  return override && override.startsWith('/') && !installed ? override : HELPER_INSTALL_PATH;
}

/**
 * Create the reap service. Nothing starts yet: the reap worker on warm() or the first own reap, the
 * helper on the first privileged reap.
 */
export function createReapService(options: ReapServiceOptions): ReapService {
  const helperPath = options.helperPath ?? helperPathFrom(process.env, __dirname);
  const events = new EventEmitter();
  const isRoot = process.geteuid?.() === 0;
  const uid = process.getuid?.() ?? -1;
  const inProcess = new InProcessReaper();
  let lastMode: PrivilegeMode | null = null;
  let primed = false;

  const privilege = (): PrivilegeMode => {
    if (isRoot) return 'root';
    if (helper.running) return 'helper-ready';
    return existsSync(helperPath) ? 'helper-installed' : 'helper-missing';
  };
  const helper = new HelperClient(
    helperPath,
    () => {
      const mode = privilege();
      if (mode !== lastMode) {
        lastMode = mode;
        events.emit('privilege', mode);
      }
    },
    options.helperIdleMs !== undefined ? { idleMs: options.helperIdleMs } : {},
  );

  async function viaHelper(request: ReapRequest): Promise<ReapResult[]> {
    // The name only of the process the person saw (same start time): a reused PID's is another program's.
    const nameOf = (t: ReapRequest['targets'][number]): string | undefined => {
      const stat = readStat(t.pid);
      return stat && stat.startTime === t.startTime ? stat.comm : undefined;
    };
    const fail = (code: ReapErrorCode, message: string): ReapResult[] => request.targets.map((t) => refusedResult(t, 'helper', code, message, nameOf(t)));
    if (!existsSync(helperPath)) {
      return fail(
        'HELPER_UNAVAILABLE',
        `This process belongs to another user. Ending other users' processes needs Headroom's privileged helper, which comes with the deb package (${helperPath} is not installed).`,
      );
    }
    try {
      // The helper waits the person's End grace period too, as the in-process reap does.
      const endGraceMs = options.endGraceMs();
      const reply = await helper.request({ op: 'reap', targets: request.targets, mode: request.mode, force: request.force, sessionCritical: asComm(options.sessionCritical()), endGraceMs }, HELPER_REQUEST_SLACK_MS + endGraceMs);
      if (!reply.ok) return fail(reply.error.code, reply.error.message);
      const parsed = helperProtocol().ReapReplySchema.safeParse(reply);
      if (!parsed.success || parsed.data.results.length !== request.targets.length) return fail('INTERNAL', 'The privileged helper answered with results that do not match the request.');
      return parsed.data.results;
    } catch (err) {
      if (err instanceof HelperFailure) return fail(err.code, err.message);
      throw err;
    }
  }

  /** The validated request and which targets go where: all a reap does on this thread before the hand-off. */
  function route(input: ReapRequestInput): { request: ReapRequest; own: number[]; others: number[] } {
    const request = reapContract().ReapRequestSchema.parse(input);
    const own: number[] = [];
    const others: number[] = [];
    request.targets.forEach((target, index) => {
      // Gone (null) goes in-process: the reap there says "changed or exited" without asking anyone.
      const owner = ownerUid(target.pid);
      (isRoot || owner === null || owner === uid ? own : others).push(index);
    });
    return { request, own, others };
  }

  /**
   * The first run of route() and of the result's validation, on a sample naming this process's own
   * PID with start time 0 (not its own start time): parsed and routed only, never handed to the
   * worker or the helper, so nothing can be signalled. Failures are ignored; a real reap reports its own.
   */
  function primeValidation(): void {
    try {
      // Twice, as a window's reap goes: its params without the defaults (parseCall), then the parsed
      // request with them (here, in route()).
      const { request } = route(route({ targets: [{ pid: process.pid, startTime: 0 }] }).request);
      const sample = refusedResult(request.targets[0]!, 'in-process', 'CHANGED', 'warm-up sample; never sent');
      reapContract().ReapResultSchema.parse(sample);
    } catch {
      // The real reap validates and reports as before.
    }
  }

  async function reap(input: ReapRequestInput): Promise<ReapResponse> {
    const { request, own, others } = route(input);
    const subset = (indices: number[]): ReapRequest => ({ ...request, targets: indices.map((i) => request.targets[i]!) });
    const [ownResults, otherResults] = await Promise.all([
      own.length ? inProcess.reap(subset(own), options.sessionCritical(), options.endGraceMs()) : Promise.resolve([]),
      others.length ? viaHelper(subset(others)) : Promise.resolve([]),
    ]);
    const results: ReapResult[] = new Array(request.targets.length);
    own.forEach((index, i) => (results[index] = ownResults[i]!));
    others.forEach((index, i) => (results[index] = otherResults[i]!));
    return { results: results.map((r) => reapContract().ReapResultSchema.parse(r)) };
  }

  return {
    reap,
    privilege,
    onPrivilegeChange(listener) {
      events.on('privilege', listener);
      return () => events.off('privilege', listener);
    },
    helperStarts: () => helper.spawnCount,
    warm() {
      // It does not keep Node alive while idle.
      void inProcess.warm();
      if (!primed) {
        primed = true;
        // After the caller's own work (e.g. the window's first answer), not inside it.
        setImmediate(primeValidation);
      }
    },
    async close() {
      await Promise.all([helper.close(), inProcess.close()]);
    },
  };
}
