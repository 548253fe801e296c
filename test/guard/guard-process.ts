/**
 * Test support for the guard drills: a throwaway user (a uid with no passwd entry, unique per test
 * process) so the guard under test can only ever reap that user's processes — the thrasher and the
 * bystander — never anything else on this shared machine; and `headroom guard` (the built
 * dist/main/cli.js, from a copy that user can read) run as that user, with its JSON lines collected
 * and validated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GuardEventSchema, type GuardEvent } from '../../contract/guard';
import { runtimeCopyForOtherUsers } from '../support/world-readable';

export const CLI = resolve(__dirname, '..', '..', 'dist', 'main', 'cli.js');

let runtimeCopy: ReturnType<typeof runtimeCopyForOtherUsers> | null = null;

/** The built CLI at a path the drill user can read (the checkout may be private); made on first use. */
function cliForOtherUsers(): string {
  runtimeCopy ??= runtimeCopyForOtherUsers();
  return runtimeCopy.cli;
}

/** Remove the drill user's copy of the CLI (call it in afterAll). */
export function removeGuardRuntime(): void {
  runtimeCopy?.remove();
  runtimeCopy = null;
}

/** A uid/gid of our own for this test process (no passwd entry needed). */
export const DRILL_UID = 20_000 + (process.pid % 10_000);

/** A work folder owned by the drill user. */
export function drillWorkDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-guard-drill-'));
  chownSync(dir, DRILL_UID, DRILL_UID);
  mkdirSync(join(dir, 'config'), { mode: 0o700 });
  chownSync(join(dir, 'config'), DRILL_UID, DRILL_UID);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface GuardProcess {
  child: ChildProcess;
  events: GuardEvent[];
  /** stdout lines that were not exactly one GuardEvent. */
  formatErrors: string[];
  stderr: () => string;
  /** Resolves with the first event matching, or rejects after timeoutMs naming what was seen. */
  waitFor(what: string, match: (e: GuardEvent) => boolean, timeoutMs: number): Promise<GuardEvent>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Start `headroom guard` with these arguments as the drill user; its lock and settings live in workDir. */
export function startGuard(args: string[], workDir: string, options: { uid?: number } = {}): GuardProcess {
  const uid = options.uid ?? DRILL_UID;
  const child = spawn(process.execPath, [cliForOtherUsers(), 'guard', ...args], {
    uid,
    gid: uid,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: workDir, XDG_CONFIG_HOME: join(workDir, 'config'), HEADROOM_GUARD_LOCK: join(workDir, 'guard.lock') },
  });
  const events: GuardEvent[] = [];
  const formatErrors: string[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      // Every line must be exactly one GuardEvent, nothing more: anything else is kept as a format error.
      try {
        const event = GuardEventSchema.parse(JSON.parse(line));
        if (JSON.stringify(event) !== line) throw new Error('extra or reordered fields');
        events.push(event);
      } catch (e) {
        formatErrors.push(`${line} (${e instanceof Error ? e.message : String(e)})`);
      }
      for (const w of waiters) w();
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    events,
    formatErrors,
    stderr: () => err,
    exited,
    waitFor(what, match, timeoutMs) {
      return new Promise((resolvePromise, reject) => {
        const check = (): void => {
          const found = events.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolvePromise(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(events)}; stderr: ${err}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => check());
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
