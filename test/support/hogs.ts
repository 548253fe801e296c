/**
 * Memory hogs for tests: real child processes with `headroom-test-hog` in argv, bounded to 2 GiB,
 * killed by PID in `stopAllHogs()` (call it from afterEach/finally). They also exit on their own when
 * the test process goes away (their stdin closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { worldReadableScript } from './world-readable';

export const HOG_MARKER = 'headroom-test-hog';
const MAX_HOG_MIB = 2048;

export interface HogOptions {
  /** How much anonymous memory to allocate and touch (≤ 2048). */
  mib: number;
  /** Allocation pace; default: all at once. */
  rateMiBps?: number;
  /** Run as this user (the test must be root). */
  uid?: number;
  gid?: number;
  /** Seconds after which the hog exits by itself (default 600). */
  lifetimeSec?: number;
  /** The name the hog gives itself (/proc/self/comm, ≤ 15 bytes) before it says ready. */
  comm?: string;
  /** Prefix the command (e.g. ['taskset', '-c', '1', 'nice', '-n', '19']); the hog is still the pid returned when the prefix execs. */
  wrap?: string[];
}

export interface Hog {
  pid: number;
  child: ChildProcess;
  /** Resolves when the hog has allocated and touched all its memory. */
  ready: Promise<void>;
  /** Resolves when the hog process has exited (for any reason). */
  exited: Promise<void>;
  /** True while the process has not exited. */
  alive(): boolean;
}

const running = new Set<Hog>();
let hogScript: string | undefined;

/** The hog script at a path any user can read (see worldReadableScript). */
export function hogScriptPath(): string {
  if (hogScript && existsSync(hogScript)) return hogScript;
  hogScript = worldReadableScript(join(__dirname, 'hog-child.cjs'));
  return hogScript;
}

/** Start a hog; await `hog.ready` before measuring it. */
export function startHog(options: HogOptions): Hog {
  if (!(options.mib >= 0 && options.mib <= MAX_HOG_MIB)) throw new Error(`hog size must be 0..${MAX_HOG_MIB} MiB`);
  const args = [hogScriptPath(), HOG_MARKER, String(options.mib), String(options.rateMiBps ?? 0), String(options.lifetimeSec ?? 600)];
  const [command, ...prefix] = options.wrap && options.wrap.length > 0 ? [...options.wrap, process.execPath] : [process.execPath];
  const child = spawn(command!, [...prefix, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.comm === undefined ? process.env : { ...process.env, HEADROOM_HOG_COMM: options.comm },
    uid: options.uid,
    gid: options.gid,
  });
  if (child.pid === undefined) throw new Error('could not start the hog');
  let isAlive = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    isAlive = false;
    running.delete(hog);
    resolve();
  }));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready ')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`hog exited before it was ready (code ${code}, signal ${signal})`)));
  });
  ready.catch(() => {});
  const hog: Hog = { pid: child.pid, child, ready, exited, alive: () => isAlive };
  running.add(hog);
  return hog;
}

/** Kill (by PID) every hog this module started that is still running, and wait for them to exit. */
export async function stopAllHogs(): Promise<void> {
  const hogs = [...running];
  for (const hog of hogs) {
    try {
      process.kill(hog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.all(hogs.map((h) => Promise.race([h.exited, new Promise((r) => setTimeout(r, 5000))])));
}
