/**
 * Real memory pressure that harms nothing else: one child process in a child memory cgroup of our
 * own cgroup with a small limit, thrashing its own page cache (KERNEL.md's recipe). Hybrid layout
 * (cgroup v1 memory controller) here; on pure cgroup v2 the same needs `memory.max`, not built.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryPressure {
  child: ChildProcess;
  /** Resolves once the file is written and the random reads begin. */
  ready: Promise<void>;
  /** Kill the child by PID, delete the file and remove the cgroup (idempotent). */
  stop(): Promise<void>;
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
export function startMemoryPressure(options: { workDir: string; limitMiB?: number; fileMiB?: number; lifetimeSec?: number; readers?: number }): MemoryPressure {
  const limitMiB = options.limitMiB ?? 150;
  const fileMiB = options.fileMiB ?? 400;
  const cgroup = join(ownMemoryCgroupV1(), `headroom-pressure-${process.pid}`);
  const file = join(options.workDir, `headroom-pressure-${process.pid}.bin`);
  mkdirSync(cgroup);
  writeFileSync(join(cgroup, 'memory.limit_in_bytes'), String(limitMiB * 1024 * 1024));
  const child = spawn(
    process.execPath,
    [join(__dirname, 'pressure-child.cjs'), 'headroom-test-pressure', join(cgroup, 'cgroup.procs'), file, String(fileMiB), String(options.lifetimeSec ?? 300), String(options.readers ?? 1)],
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
      // The group can only be removed once empty; the kernel moves the dead child's charge up.
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(cgroup);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
}
