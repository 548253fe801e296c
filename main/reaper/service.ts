/**
 * The reap service main/ hosts: routes each target to where it can be reaped. The person's own
 * processes (or everything, when Headroom runs as root) go to the in-process worker; other users'
 * go to the resident privileged helper through pkexec. Results always follow contract/reap.ts.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { ReapErrorCode, ReapRequest, ReapRequestInput, ReapResponse, ReapResult } from '../../contract/reap';
import type { PrivilegeMode } from '../../contract/status';
import { HELPER_INSTALL_PATH } from '../../native/polkit/paths';
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
   * auto-reap turned on). Reaps also start it; until one of the two happens it costs nothing.
   */
  warm(): void;
  /** Stop the worker and the helper (closes its stdin and waits for it to exit). */
  close(): Promise<void>;
}

/** Extra time a helper request may take beyond the end grace period (mrelease + exit waits). */
const HELPER_REQUEST_SLACK_MS = 30_000;

/**
 * Create the reap service. Nothing starts yet: the reap worker on warm() or the first own reap, the
 * helper on the first privileged reap.
 */
export function createReapService(options: ReapServiceOptions): ReapService {
  // HEADROOM_HELPER_PATH is the one documented override, for tests that install their own helper.
  const helperPath = options.helperPath ?? process.env.HEADROOM_HELPER_PATH ?? HELPER_INSTALL_PATH;
  const events = new EventEmitter();
  const isRoot = process.geteuid?.() === 0;
  const uid = process.getuid?.() ?? -1;
  const inProcess = new InProcessReaper();
  let lastMode: PrivilegeMode | null = null;

  const privilege = (): PrivilegeMode => {
    if (isRoot) return 'root';
    if (helper.running) return 'helper-ready';
    return existsSync(helperPath) ? 'helper-installed' : 'helper-missing';
  };
  const helper = new HelperClient(helperPath, () => {
    const mode = privilege();
    if (mode !== lastMode) {
      lastMode = mode;
      events.emit('privilege', mode);
    }
  });

  async function viaHelper(request: ReapRequest): Promise<ReapResult[]> {
    const fail = (code: ReapErrorCode, message: string): ReapResult[] => request.targets.map((t) => refusedResult(t, 'helper', code, message, readStat(t.pid)?.comm));
    if (!existsSync(helperPath)) {
      return fail(
        'HELPER_UNAVAILABLE',
        `This process belongs to another user. Ending other users' processes needs Headroom's privileged helper, which comes with the deb package (${helperPath} is not installed).`,
      );
    }
    try {
      const reply = await helper.request({ op: 'reap', targets: request.targets, mode: request.mode, force: request.force, sessionCritical: options.sessionCritical() }, HELPER_REQUEST_SLACK_MS + options.endGraceMs());
      if (!reply.ok) return fail(reply.error.code, reply.error.message);
      const parsed = helperProtocol().ReapReplySchema.safeParse(reply);
      if (!parsed.success || parsed.data.results.length !== request.targets.length) return fail('INTERNAL', 'The privileged helper answered with results that do not match the request.');
      return parsed.data.results;
    } catch (err) {
      if (err instanceof HelperFailure) return fail(err.code, err.message);
      throw err;
    }
  }

  async function reap(input: ReapRequestInput): Promise<ReapResponse> {
    const request = reapContract().ReapRequestSchema.parse(input);
    const own: number[] = [];
    const others: number[] = [];
    request.targets.forEach((target, index) => {
      // Gone (null) goes in-process: the reap there says "changed or exited" without asking anyone.
      const owner = ownerUid(target.pid);
      (isRoot || owner === null || owner === uid ? own : others).push(index);
    });
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
    },
    async close() {
      await Promise.all([helper.close(), inProcess.close()]);
    },
  };
}
