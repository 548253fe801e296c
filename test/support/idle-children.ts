/**
 * Idle child processes (`sleep`) for tests and benchmarks that need a big process table. Started and
 * killed by PID here only; each also ends by itself after its lifetime.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Start `count` idle `sleep` children into `into`; resolves once all are running. */
export async function startIdleChildren(count: number, into: ChildProcess[], lifetimeS = 300): Promise<void> {
  for (let i = 0; i < count; i++) {
    const child = spawn('sleep', [String(lifetimeS)], { stdio: 'ignore' });
    child.on('error', () => {});
    into.push(child);
    // Let libuv breathe every so often so spawn errors surface and the event loop stays sane.
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  if (into.some((c) => c.pid === undefined)) throw new Error('could not start every idle child (fork failed)');
}

/** Kill every child still running by PID, empty the list, and wait (bounded) for them to be reaped. */
export async function killChildren(children: ChildProcess[]): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of children.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    waits.push(new Promise((resolve) => child.once('exit', resolve)));
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 10_000))]);
}

/**
 * Make sure `children` die with this process even if it exits or is interrupted mid-benchmark.
 * Returns the function that removes the guard (call it once they are killed normally).
 */
export function killChildrenOnExit(children: ChildProcess[]): () => void {
  const killNow = (): void => {
    for (const c of children) {
      if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', killNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('exit', killNow);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

/**
 * One `sleep` child (120 s) whose end — SIGKILL by PID if still running, then its exit — is pushed
 * onto `cleanups` for the test's afterEach.
 */
export function sleeperWithCleanup(cleanups: (() => Promise<void> | void)[]): ChildProcess {
  const c = spawn('sleep', ['120'], { stdio: 'ignore' });
  cleanups.push(() => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    return new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  });
  return c;
}
