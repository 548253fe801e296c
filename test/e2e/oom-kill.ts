/**
 * A real kernel OOM kill that harms nothing else (KERNEL.md, "The kernel OOM killer, safely"): a
 * child memory cgroup (v1) of our own cgroup, limited to 150 MiB (swap included where the kernel
 * accounts it), and one python3 process in it that allocates and touches 300 MiB of anonymous
 * memory. The kernel kills it within about a second; the kill counts in /proc/vmstat, in the
 * group's memory.oom_control, and in /dev/kmsg with the victim's PID and name. The victim's argv
 * carries `headroom-test-hog`; it is bounded (300 MiB, 60 s lifetime), killed by PID if it is still
 * alive, and the group is removed once empty (its name holds our PID and a counter, so drills of
 * other engineers running at the same time never meet it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownMemoryCgroupV1 } from './pressure';

const MiB = 1024 * 1024;
let serial = 0;

/** Allocate 300 MiB of touched anonymous memory, then sleep until killed or 60 s pass. */
const VICTIM_SCRIPT = 'import time\nb = bytearray(b"\\x01") * (300 << 20)\ntime.sleep(60)\n';

export interface OomKill {
  /** The victim's PID. */
  pid: number;
  /** The v1 memory cgroup it ran in (the path under /sys/fs/cgroup/memory). */
  cgroupPath: string;
  /** How the victim ended: 'SIGKILL' when the kernel (or anyone) killed it. */
  signal: NodeJS.Signals | null;
  /** `oom_kill N` from the group's memory.oom_control after the kill. */
  groupOomKills: number;
}

/** Run one victim in a fresh 150 MiB group and wait for it to end; the group is gone afterwards. */
export async function provokeOomKill(limitMiB = 150): Promise<OomKill> {
  const parent = ownMemoryCgroupV1();
  const dir = join(parent, `headroom-oom-${process.pid}-${++serial}`);
  mkdirSync(dir);
  let pid: number | undefined;
  try {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitMiB * MiB));
    // Without this, a machine with swap would swap the victim out instead of killing it.
    if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(limitMiB * MiB));
    // The shell joins the group, then becomes python3: every byte python3 touches is charged there.
    const child = spawn('/bin/sh', ['-c', 'echo $$ > "$1" && exec /usr/bin/python3 -c "$2" headroom-test-hog', 'headroom-test-hog', join(dir, 'cgroup.procs'), VICTIM_SCRIPT], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    pid = child.pid;
    if (pid === undefined) throw new Error('could not start the OOM victim');
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the OOM victim was not killed within 20 s')), 20_000);
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        if (sig === null) reject(new Error(`the OOM victim exited by itself (code ${code}): ${stderr}`));
        else resolve(sig);
      });
    });
    const oomControl = readFileSync(join(dir, 'memory.oom_control'), 'utf8');
    const groupOomKills = Number(/^oom_kill (\d+)$/m.exec(oomControl)?.[1] ?? 0);
    return { pid, cgroupPath: dir.slice('/sys/fs/cgroup/memory'.length), signal, groupOomKills };
  } finally {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone (the kernel killed it)
      }
    }
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
