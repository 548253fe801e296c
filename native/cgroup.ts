/**
 * cgroup v2 for "reap an app": find the group a set of verified processes lives in and, when they
 * are exactly all of its members (subtree included), kill them all at once with cgroup.kill, which
 * is race-free against forks. The group is only ever derived from /proc/PID/cgroup of processes
 * whose identity was just verified through a pidfd — never taken from a caller.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a cgroup v2 hierarchy may be mounted: pure v2, or the hybrid layout's unified tree. */
const CGROUP2_MOUNTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/** The cgroup v2 mount point, or null when there is none (v1-only systems). */
export function cgroup2Mount(): string | null {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return null;
  }
  for (const line of mounts.split('\n')) {
    const [, mountPoint, fsType] = line.split(' ');
    if (fsType === 'cgroup2' && mountPoint && CGROUP2_MOUNTS.includes(mountPoint)) return mountPoint;
  }
  return null;
}

/** The process's cgroup v2 path (the "0::" line of /proc/PID/cgroup), or null. */
export function readCgroupPath(pid: number): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    const path = line?.slice(3);
    // "(deleted)" or anything not absolute is not a group we can act on.
    return path && path.startsWith('/') && !path.includes('..') ? path : null;
  } catch {
    return null;
  }
}

/** Groups a subtree may hold for cgroup.kill to be used (an app's scope has one, a container a few). */
const MAX_SUBTREE_GROUPS = 64;

/**
 * The processes of the subtree at `dir` into `into`, or false as soon as it holds more than
 * `maxMembers` processes or MAX_SUBTREE_GROUPS groups: its owner decides its shape (a delegated
 * subtree can hold tens of thousands of groups), and the reap waits for this walk.
 */
function subtreeMembers(dir: string, into: Set<number>, maxMembers: number, groups = { left: MAX_SUBTREE_GROUPS }): boolean {
  if (--groups.left < 0) return false;
  for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
    if (line) into.add(Number(line));
  }
  if (into.size > maxMembers) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !subtreeMembers(join(dir, entry.name), into, maxMembers, groups)) return false;
  }
  return true;
}

/**
 * The directory of the one non-root cgroup whose whole subtree holds exactly `pids`, and which has
 * cgroup.kill; null when the pids are spread over groups, share it with others, or the kernel lacks it.
 */
export function exclusiveGroupOf(pids: readonly number[]): string | null {
  if (pids.length === 0) return null;
  const mount = cgroup2Mount();
  if (!mount) return null;
  const paths = new Set(pids.map(readCgroupPath));
  if (paths.size !== 1) return null;
  const [path] = paths;
  // The root cgroup has no cgroup.kill, and killing it would be everything anyway.
  if (!path || path === '/') return null;
  const dir = join(mount, path);
  if (!existsSync(join(dir, 'cgroup.kill'))) return null;
  const members = new Set<number>();
  try {
    if (!subtreeMembers(dir, members, pids.length)) return null;
  } catch {
    return null;
  }
  if (members.size !== pids.length) return null;
  return pids.every((pid) => members.has(pid)) ? dir : null;
}

/** Write 1 to the group's cgroup.kill: SIGKILL to every process in its subtree. */
export function killGroup(dir: string): void {
  writeFileSync(join(dir, 'cgroup.kill'), '1');
}

/** A memory-limited cgroup holding a process (its own or an ancestor, never the root), and what of the limit is left. */
export interface MemoryLimit {
  /** "v2:/path" or "v1:/path" (the memory controller's hierarchy): equal for every process in the group. */
  id: string;
  limitBytes: number;
  /** limit − usage + the group's inactive file pages (reclaimable cache): MemAvailable's counterpart for the group. */
  availableBytes: number;
}

/** A limit at or above this is no limit (v1 writes PAGE_COUNTER_MAX pages, 9223372036854771712 bytes on 4 KiB pages). */
const UNLIMITED = 2 ** 62;
const V1_MEMORY = '/sys/fs/cgroup/memory';

function readNumber(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^\d+$/.test(text)) return null; // "max", or not a counter
    return Number(text);
  } catch {
    return null;
  }
}

function statValue(path: string, key: string): number {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The limited groups on a path and above it (not the root), innermost first. */
function limitsOnPath(kind: 'v1' | 'v2', mount: string, path: string, into: MemoryLimit[]): void {
  const [limitFile, usageFile, inactiveKey] =
    kind === 'v2' ? ['memory.max', 'memory.current', 'inactive_file'] : ['memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file'];
  for (let p = path; p.length > 1; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    const dir = mount + p;
    const limit = readNumber(join(dir, limitFile));
    if (limit === null || limit >= UNLIMITED) continue;
    const usage = readNumber(join(dir, usageFile));
    if (usage === null) continue;
    into.push({ id: `${kind}:${p}`, limitBytes: limit, availableBytes: limit - usage + statValue(join(dir, 'memory.stat'), inactiveKey) });
  }
}

/**
 * The memory-limited cgroups a process is in — cgroup v2 `memory.max` along its "0::" path, and the
 * v1 memory controller's `memory.limit_in_bytes` along its "memory" path (the hybrid layout) — with
 * what is left of each limit; [] when the process is gone or in no limited group. Paths come from
 * the kernel's /proc/PID/cgroup; one with a ".." segment is skipped.
 */
export function memoryLimitsOf(pid: number, v2Mount: string | null = cgroup2Mount()): MemoryLimit[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return [];
  }
  const limits: MemoryLimit[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!m || m[2]!.split('/').includes('..')) continue;
    if (m[1] === '' && v2Mount) limitsOnPath('v2', v2Mount, m[2]!, limits);
    else if (m[1]!.split(',').includes('memory')) limitsOnPath('v1', V1_MEMORY, m[2]!, limits);
  }
  return limits;
}
