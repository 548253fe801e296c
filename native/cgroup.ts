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

function subtreeMembers(dir: string, into: Set<number>): void {
  for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
    if (line) into.add(Number(line));
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) subtreeMembers(join(dir, entry.name), into);
  }
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
    subtreeMembers(dir, members);
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
