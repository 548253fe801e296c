import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FeaturesSchema } from '../../contract/snapshot';
import { detectFeatures, hidepidFromMounts, kernelAtLeast } from '../../main/sampler/features';

describe('feature detection', () => {
  it('reads hidepid from /proc mount options', () => {
    expect(hidepidFromMounts('proc /proc proc rw,relatime 0 0\n')).toBe(false);
    expect(hidepidFromMounts('proc /proc proc rw,nosuid,hidepid=2 0 0\n')).toBe(true);
    expect(hidepidFromMounts('proc /proc proc rw,hidepid=invisible,gid=4 0 0\n')).toBe(true);
    expect(hidepidFromMounts('proc /proc proc rw,hidepid=noaccess 0 0\n')).toBe(true);
    expect(hidepidFromMounts('proc /proc proc rw,hidepid=0 0 0\n')).toBe(false);
    expect(hidepidFromMounts('proc /proc proc rw,hidepid=off 0 0\n')).toBe(false);
    // Another proc mount (a container's) does not count.
    expect(hidepidFromMounts('proc /srv/jail/proc proc rw,hidepid=2 0 0\nproc /proc proc rw 0 0\n')).toBe(false);
  });

  it('compares kernel releases', () => {
    expect(kernelAtLeast('5.14.0-1-amd64', 5, 14)).toBe(true);
    expect(kernelAtLeast('5.13.19', 5, 14)).toBe(false);
    expect(kernelAtLeast('6.1.0', 5, 15)).toBe(true);
    expect(kernelAtLeast('4.19.0', 5, 3)).toBe(false);
    expect(kernelAtLeast('weird', 1, 0)).toBe(false);
  });

  it('detects what this machine has', () => {
    const features = FeaturesSchema.parse(detectFeatures());
    expect(features.kernel).toBe(release());
    let psiReadable = true;
    try {
      readFileSync('/proc/pressure/memory');
    } catch {
      psiReadable = false;
    }
    expect(features.psi).toBe(psiReadable);
    const expectedMount = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((m) => existsSync(`${m}/cgroup.controllers`)) ?? null;
    expect(features.cgroupV2Mount).toBe(expectedMount);
    expect(features.pidfd).toBe(kernelAtLeast(release(), 5, 3));
    expect(features.processMrelease).toBe(kernelAtLeast(release(), 5, 15));
    expect(features.hidepid).toBe(hidepidFromMounts(readFileSync('/proc/mounts', 'utf8')));
  });
});
