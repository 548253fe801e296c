/**
 * Real memory pressure that harms nothing else: one child process in a child memory cgroup of our
 * own cgroup with a small limit, thrashing its own page cache (KERNEL.md's recipe). Hybrid layout
 * (cgroup v1 memory controller) here; on pure cgroup v2 the same needs `memory.max`, not built.
 *
 * For per-app drills (the guard): `appScope` also puts the thrasher in a cgroup v2 group named like
 * a desktop app scope, `app-<appScope>-<pid>.scope`, which gives it its own memory.pressure; `uid`
 * runs it as another user (joined to its groups by a root shell before setpriv drops privileges).
 * The child carries `headroom-test-hog` in argv like every other test hog.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOG_MARKER } from '../support/hogs';
import { worldReadableScript } from '../support/world-readable';

export interface MemoryPressure {
  child: ChildProcess;
  /** Resolves once the file is written and the random reads begin. */
  ready: Promise<void>;
  /** Kill the child by PID, delete the file and remove the cgroups (idempotent). */
  stop(): Promise<void>;
  /** The v1 memory cgroup directory with the limit (other processes may be added to its cgroup.procs). */
  memoryCgroup: string;
  /** The v2 app-scope group directory when `appScope` was given, else null. */
  appGroup: string | null;
}

export interface MemoryPressureOptions {
  workDir: string;
  limitMiB?: number;
  fileMiB?: number;
  lifetimeSec?: number;
  readers?: number;
  /** Put the thrasher in a v2 group `app-<appScope>-<pid>.scope` under the v2 mount (its own memory.pressure). */
  appScope?: string;
  /** Use this existing v1 memory cgroup (made, limited and removed by the caller, e.g. to share it with the guard) instead of a new one. */
  memoryCgroup?: string;
  /** Run the thrasher as this user (the caller must be root; workDir must be writable by it). */
  uid?: number;
  gid?: number;
}

/** Where cgroup v2 is mounted on this hybrid machine (or the pure v2 root). */
function v2Mount(): string {
  for (const dir of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) if (existsSync(join(dir, 'cgroup.procs')) && existsSync(join(dir, 'memory.pressure'))) return dir;
  throw new Error('no cgroup v2 hierarchy with memory.pressure here: per-app pressure cannot be made');
}

/**
 * Remove a test's cgroup (v1 or v2) once its processes are gone: a group can only be removed once
 * empty, and the kernel moves the dead child's charge up, so this retries for 5 s. A group that
 * still cannot be removed is an error, never a silent leak that the next drill (named after the same
 * test process) would run into.
 */
export async function removeGroup(dir: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`could not remove the test cgroup ${dir} (${(last as NodeJS.ErrnoException).code ?? String(last)}): end what is still in it and rmdir it by hand`);
}

/** Our own memory cgroup (v1) directory, from /proc/self/cgroup. */
export function ownMemoryCgroupV1(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:memory:/.test(l));
  if (!line) throw new Error('no cgroup v1 memory controller here (this helper supports the hybrid layout only)');
  const dir = join('/sys/fs/cgroup/memory', line.slice(line.indexOf(':memory:') + ':memory:'.length));
  if (!existsSync(join(dir, 'memory.limit_in_bytes'))) throw new Error(`${dir} is not a memory cgroup directory`);
  return dir;
}

/** Start the pressure: a `limitMiB` cgroup thrashing a `fileMiB` file in `workDir`, for at most `lifetimeSec`. */
export function startMemoryPressure(options: MemoryPressureOptions): MemoryPressure {
  const limitMiB = options.limitMiB ?? 150;
  const fileMiB = options.fileMiB ?? 400;
  const cgroup = options.memoryCgroup ?? join(ownMemoryCgroupV1(), `headroom-pressure-${process.pid}`);
  const file = join(options.workDir, `headroom-pressure-${process.pid}.bin`);
  const appGroup = options.appScope ? join(v2Mount(), `app-${options.appScope}-${process.pid}.scope`) : null;
  if (!options.memoryCgroup) {
    mkdirSync(cgroup);
    writeFileSync(join(cgroup, 'memory.limit_in_bytes'), String(limitMiB * 1024 * 1024));
  }
  if (appGroup) {
    mkdirSync(appGroup);
    // Like systemd's delegation of a user's own scopes: its owner may arm triggers on its pressure.
    if (options.uid !== undefined) chownSync(join(appGroup, 'memory.pressure'), options.uid, options.gid ?? options.uid);
  }
  const procs = [join(cgroup, 'cgroup.procs'), ...(appGroup ? [join(appGroup, 'cgroup.procs')] : [])];
  // Run as another user, the script must be readable by that user wherever this checkout is.
  const script = options.uid === undefined ? join(__dirname, 'pressure-child.cjs') : worldReadableScript(join(__dirname, 'pressure-child.cjs'));
  const childArgs = [script, 'headroom-test-pressure', HOG_MARKER, options.uid === undefined ? procs.join(',') : '-', file, String(fileMiB), String(options.lifetimeSec ?? 300), String(options.readers ?? 1)];
  const child =
    options.uid === undefined
      ? spawn(process.execPath, childArgs, { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn(
          'sh',
          // Join the groups as root, then become the user with the same pid (exec).
          ['-c', 'for p in $(echo "$1" | tr , " "); do echo $$ > "$p"; done; u=$2; g=$3; shift 3; exec setpriv --reuid="$u" --regid="$g" --clear-groups "$@"', 'sh', procs.join(','), String(options.uid), String(options.gid ?? options.uid), process.execPath, ...childArgs],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    void exited.then(() => reject(new Error('the pressure child exited before it was ready')));
  });
  ready.catch(() => {});
  let stopped = false;
  return {
    child,
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      await exited;
      rmSync(file, { force: true });
      if (!options.memoryCgroup) await removeGroup(cgroup);
      if (appGroup) await removeGroup(appGroup);
    },
    memoryCgroup: cgroup,
    appGroup,
  };
}
