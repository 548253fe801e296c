/** What this kernel and system offer, detected once per sampler. */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Features } from '../../contract/snapshot';
import { probePidfd, probeProcessMrelease } from '../../native/syscalls';
import { parseCgroupV2Path } from './parse/cgroup';

/** Where cgroup v2 is mounted: `/sys/fs/cgroup` (unified) or `/sys/fs/cgroup/unified` (hybrid), else null. */
export function detectCgroupV2Mount(): string | null {
  for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (existsSync(`${mount}/cgroup.controllers`)) return mount;
  }
  return null;
}

/**
 * True when PSI can be read. A kernel built with PSI but booted with psi=0 has the files and
 * fails the read with EOPNOTSUPP; one built without PSI has no files.
 */
export function detectPsi(): boolean {
  try {
    readFileSync('/proc/pressure/memory', 'latin1');
    return true;
  } catch {
    return false;
  }
}

/** True when /proc hides other users' processes (hidepid=1/2/noaccess/invisible). Takes /proc/mounts text. */
export function hidepidFromMounts(mounts: string): boolean {
  for (const line of mounts.split('\n')) {
    const [, mountPoint, fsType, options] = line.split(' ');
    if (mountPoint !== '/proc' || fsType !== 'proc' || !options) continue;
    for (const option of options.split(',')) {
      if (option.startsWith('hidepid=')) {
        const value = option.slice('hidepid='.length);
        if (value !== '0' && value !== 'off') return true;
      }
    }
  }
  return false;
}

/** True for a kernel release string at or above major.minor, e.g. ("6.1.0-18-amd64", 5, 14). */
export function kernelAtLeast(kernel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

/**
 * cgroup.kill (5.14) exists in every non-root v2 group: look in our own group when it is not the
 * root, else go by the kernel version.
 */
function detectCgroupKill(mount: string | null, kernel: string): boolean {
  if (!mount) return false;
  try {
    const own = parseCgroupV2Path(readFileSync('/proc/self/cgroup', 'utf8'));
    if (own && own !== '/') return existsSync(`${mount}${own}/cgroup.kill`);
  } catch {
    // fall through to the version check
  }
  return kernelAtLeast(kernel, 5, 14);
}

function safely(probe: () => boolean): boolean {
  try {
    return probe();
  } catch {
    return false;
  }
}

/** Detect everything once; cheap enough for a CLI run, never throws. */
export function detectFeatures(): Features {
  const kernel = release();
  const cgroupV2Mount = detectCgroupV2Mount();
  let hidepid = false;
  try {
    hidepid = hidepidFromMounts(readFileSync('/proc/mounts', 'utf8'));
  } catch {
    // no /proc/mounts: assume the usual
  }
  return {
    psi: detectPsi(),
    cgroupV2Mount,
    pidfd: safely(probePidfd),
    processMrelease: safely(probeProcessMrelease),
    cgroupKill: detectCgroupKill(cgroupV2Mount, kernel),
    hidepid,
    kernel,
  };
}
