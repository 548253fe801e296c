// The status warnings for each degraded feature, and the recovery clock's reading of the real
// /proc/meminfo and /proc/zoneinfo (checked against an independent parse of the same files).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Features } from '../../contract/snapshot';
import { readAvailableNowBytes, readMemAvailableBytes, readPerCpuFreeBytes, watchRecovery } from '../../main/service/recovery';
import { statusWarnings } from '../../main/service/warnings';

const full: Features = { psi: true, cgroupV2Mount: '/sys/fs/cgroup', pidfd: true, processMrelease: true, cgroupKill: true, hidepid: false, kernel: '6.1.0' };

describe('status warnings', () => {
  it('says nothing when every feature is there and the helper is ready', () => {
    expect(statusWarnings(full, 'helper-ready', null)).toEqual([]);
    expect(statusWarnings(null, 'root', null)).toEqual([]);
  });

  it('names each missing feature in plain words', () => {
    expect(statusWarnings({ ...full, psi: false }, 'root', null)).toEqual(['PSI is not available on this kernel: graphs show memory only.']);
    expect(statusWarnings({ ...full, processMrelease: false }, 'root', null)[0]).toMatch(/process_mrelease is not available .*returns when the process exits/);
    expect(statusWarnings({ ...full, hidepid: true }, 'root', null)[0]).toMatch(/hidepid: only your own processes are visible/);
    expect(statusWarnings({ ...full, cgroupV2Mount: null }, 'root', null)[0]).toMatch(/cgroup v2 is not mounted/);
    expect(statusWarnings(full, 'helper-missing', null)[0]).toMatch(/only your own processes can be reaped/);
    expect(statusWarnings(full, 'root', 'Settings file was corrupt; defaults in use.')).toEqual(['Settings file was corrupt; defaults in use.']);
  });
});

describe('the recovery measure (MemAvailable + per-CPU free lists)', () => {
  it('reads MemAvailable and the per-CPU lists of this machine', () => {
    const meminfoKb = Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(Math.abs(readMemAvailableBytes() - meminfoKb * 1024)).toBeLessThan(256 * 1024 * 1024);
    const zoneinfo = readFileSync('/proc/zoneinfo', 'utf8');
    const pages = zoneinfo.split('\n').filter((l) => l.trim().startsWith('count:')).reduce((s, l) => s + Number(l.trim().split(/\s+/)[1]), 0);
    // The lists move constantly; the two readings agree to within a few hundred MiB.
    expect(Math.abs(readPerCpuFreeBytes() - pages * 4096)).toBeLessThan(256 * 1024 * 1024);
    expect(readAvailableNowBytes()).toBeGreaterThanOrEqual(readMemAvailableBytes() - 256 * 1024 * 1024);
  });

  it('stops at once when the memory is already back, and gives up (null) when it never comes', async () => {
    const now = readAvailableNowBytes();
    expect(await watchRecovery({ baselineBytes: now - 1024 * 1024 * 1024, targetBytes: 1, startTime: Date.now() - 5 })).toBeGreaterThanOrEqual(5);
    const started = Date.now();
    expect(await watchRecovery({ baselineBytes: now, targetBytes: 1024 ** 4, startTime: started }, 50, 400)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});
