// The /proc parsers on real files captured from this machine (test/fixtures/proc/README.md),
// and on broken variants of them made here.
import { describe, expect, it } from 'vitest';
import { parseCgroupV2Path } from '../../main/sampler/parse/cgroup';
import { parseCmdline } from '../../main/sampler/parse/cmdline';
import { parseMeminfo } from '../../main/sampler/parse/meminfo';
import { parsePasswd } from '../../main/sampler/parse/passwd';
import { parsePsi } from '../../main/sampler/parse/psi';
import { parseStat, PF_KTHREAD } from '../../main/sampler/parse/stat';
import { parseStatmResident } from '../../main/sampler/parse/statm';
import { parseStatus } from '../../main/sampler/parse/status';
import { parseVmstat } from '../../main/sampler/parse/vmstat';
import { parseZramMmStat } from '../../main/sampler/parse/zram';
import { fixture, fixtureBytes } from './fixtures';

describe('parseStat', () => {
  it('reads a comm with a space and a ")" by parsing from the last ")"', () => {
    expect(parseStat(fixture('stat-comm-with-paren'))).toEqual({
      pid: 14054, comm: 'a) b', state: 'S', ppid: 14049, session: 4790, flags: 4194304,
      startTime: 102213, rssPages: 407, kernelThread: false,
    });
  });

  it('survives a comm made of nothing but parentheses and spaces', () => {
    const line = fixture('stat-comm-with-paren').replace('(a) b)', '() ) (x) ))');
    const stat = parseStat(line);
    expect(stat?.comm).toBe(') ) (x) )');
    expect(stat?.startTime).toBe(102213);
    expect(stat?.rssPages).toBe(407);
  });

  it('reads a zombie', () => {
    const stat = parseStat(fixture('stat-zombie'));
    expect(stat).toMatchObject({ pid: 14057, comm: 'sleep', state: 'Z', ppid: 14055, startTime: 102213, rssPages: 0, kernelThread: false });
  });

  it('marks kthreadd as a kernel thread by its PF_KTHREAD flag', () => {
    const stat = parseStat(fixture('stat-kthreadd'))!;
    expect(stat.flags & PF_KTHREAD).toBe(PF_KTHREAD);
    expect(stat).toMatchObject({ pid: 2, comm: 'kthreadd', ppid: 0, kernelThread: true });
  });

  it('keeps a child of kthreadd without the flag: a user-mode helper the kernel started (a core-dump pipe)', () => {
    const line = fixture('stat-self').replace(' R 14049 ', ' R 2 ');
    const stat = parseStat(line)!;
    expect(stat.flags & PF_KTHREAD).toBe(0);
    expect(stat).toMatchObject({ ppid: 2, kernelThread: false });
  });

  it('returns null for truncated or garbled lines instead of throwing', () => {
    const good = fixture('stat-self');
    expect(parseStat(good)).not.toBeNull();
    expect(parseStat(good.slice(0, 60))).toBeNull();
    expect(parseStat('')).toBeNull();
    expect(parseStat('garbage')).toBeNull();
    expect(parseStat(good.replace(' 102272 ', ' 10x272 '))).toBeNull();
    expect(parseStat(good.replace(' R 14049 ', ' R -4 '))).toBeNull();
    expect(parseStat(good.replace('(cat) R', '(cat)R'))).toBeNull();
  });
});

describe('parseStatmResident', () => {
  const resident = (text: string) => parseStatmResident(Buffer.from(text), Buffer.byteLength(text));
  it('reads the resident pages of a process and of a zombie (no mm: all zeros)', () => {
    expect(resident(fixture('statm-sleep'))).toBe(452);
    expect(resident(fixture('statm-zombie'))).toBe(0);
  });

  it('returns null for malformed statm', () => {
    expect(resident('')).toBeNull();
    expect(resident('730')).toBeNull();
    expect(resident('730 x 425')).toBeNull();
    expect(resident('7a0 452 425')).toBeNull();
    expect(resident('730 45-2 425')).toBeNull();
  });
});

describe('parseStatus', () => {
  it('reads uid and the anon/file/shmem split and swap of a normal process', () => {
    expect(parseStatus(fixture('status-sleep'))).toEqual({
      value: { uid: 0, tgid: 14054, anonBytes: 112 * 1024, fileBytes: 1692 * 1024, shmemBytes: 0, swapBytes: 0 },
      malformed: 0,
    });
  });

  it('gives zeros for a zombie and for a kernel thread, which have no Rss*/VmSwap lines', () => {
    for (const [name, tgid] of [['status-zombie', 14057], ['status-kthreadd', 2]] as const) {
      const text = fixture(name);
      expect(text).not.toContain('VmSwap');
      expect(parseStatus(text)).toEqual({ value: { uid: 0, tgid, anonBytes: 0, fileBytes: 0, shmemBytes: 0, swapBytes: 0 }, malformed: 0 });
    }
  });

  it('counts a malformed field and keeps the rest', () => {
    const broken = fixture('status-sleep').replace(/RssAnon:\s+112 kB/, 'RssAnon:\tlots');
    const parsed = parseStatus(broken);
    expect(parsed.malformed).toBe(1);
    expect(parsed.value.anonBytes).toBe(0);
    expect(parsed.value.fileBytes).toBe(1692 * 1024);
  });

  it("reads a thread's Tgid, which differs from its own Pid", () => {
    const thread = fixture('status-sleep').replace(/^Pid:.*$/m, 'Pid:\t14060');
    expect(parseStatus(thread).value.tgid).toBe(14054);
  });

  it('counts a missing Uid line', () => {
    const parsed = parseStatus(fixture('status-sleep').replace(/^Uid:.*$/m, ''));
    expect(parsed.value.uid).toBeNull();
    expect(parsed.malformed).toBe(1);
  });
});

describe('parsePsi', () => {
  it('reads some and full lines', () => {
    expect(parsePsi(fixture('pressure-io'))).toEqual({
      value: {
        some: { avg10: 0.02, avg60: 0.03, avg300: 0, totalUs: 3001206 },
        full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 2645378 },
      },
      malformed: 0,
    });
  });

  it('gives full: null for a cpu file without a full line (older kernels)', () => {
    const parsed = parsePsi(fixture('pressure-cpu-no-full'));
    expect(parsed.malformed).toBe(0);
    expect(parsed.value?.full).toBeNull();
    expect(parsed.value?.some).toEqual({ avg10: 83.69, avg60: 69.07, avg300: 31.08, totalUs: 142677628 });
  });

  it('counts a malformed full line and still returns some', () => {
    const parsed = parsePsi(fixture('pressure-memory').replace(/^full .*$/m, 'full avg10=oops'));
    expect(parsed.malformed).toBe(1);
    expect(parsed.value?.full).toBeNull();
    expect(parsed.value?.some.totalUs).toBe(0);
  });

  it('returns null (one malformed) for a file without a usable some line', () => {
    expect(parsePsi('')).toEqual({ value: null, malformed: 1 });
    expect(parsePsi('some avg10=1 total=2\n').value).toBeNull();
  });
});

describe('parseMeminfo', () => {
  it('reads the fields in bytes', () => {
    expect(parseMeminfo(fixture('meminfo'))).toEqual({
      value: {
        totalBytes: 24684092 * 1024, availableBytes: 23495556 * 1024, freeBytes: 21363440 * 1024,
        cachedBytes: 1951968 * 1024, dirtyBytes: 728 * 1024, swapTotalBytes: 0, swapFreeBytes: 0,
      },
      malformed: 0,
    });
  });

  it('falls back to MemFree + Cached without MemAvailable (kernels before 3.14)', () => {
    const parsed = parseMeminfo(fixture('meminfo').replace(/^MemAvailable:.*\n/m, ''));
    expect(parsed.value.availableBytes).toBe((21363440 + 1951968) * 1024);
    expect(parsed.malformed).toBe(0);
  });

  it('counts a garbled line and a missing MemTotal', () => {
    const parsed = parseMeminfo(fixture('meminfo').replace(/^MemTotal:.*$/m, 'MemTotal: many').replace(/^Dirty:.*$/m, 'nonsense'));
    expect(parsed.value.totalBytes).toBe(0);
    // "MemTotal: many" (bad value) + "nonsense" (no colon) + MemTotal missing at the end.
    expect(parsed.malformed).toBe(3);
  });
});

describe('parseVmstat', () => {
  it('adds the anon and file refault counters (5.9+)', () => {
    const text = fixture('vmstat').replace(/^workingset_refault_anon \d+$/m, 'workingset_refault_anon 5').replace(/^workingset_refault_file \d+$/m, 'workingset_refault_file 7');
    expect(parseVmstat(text)).toEqual({ value: { majorFaults: 627, refaults: 12, oomKills: 0, reclaimed: 0 }, malformed: 0 });
  });

  it('uses workingset_refault on older kernels', () => {
    const text = fixture('vmstat-pre-5.9').replace(/^workingset_refault \d+$/m, 'workingset_refault 41');
    expect(parseVmstat(text).value.refaults).toBe(41);
  });

  it('sums every pgsteal_* counter and pswpout into one reclaim counter that moves with any of them', () => {
    const base = parseVmstat(fixture('vmstat')).value.reclaimed!;
    for (const name of ['pgsteal_file', 'pgsteal_anon', 'pgsteal_kswapd', 'pgsteal_direct', 'pswpout']) {
      const text = fixture('vmstat').replace(new RegExp(`^${name} \\d+$`, 'm'), `${name} 123`);
      expect(parseVmstat(text).value.reclaimed, name).toBe(base + 123);
    }
    // Other counters leave it where it is.
    expect(parseVmstat(fixture('vmstat').replace(/^pgmajfault \d+$/m, 'pgmajfault 99999')).value.reclaimed).toBe(base);
  });

  it('gives null for counters the kernel lacks, and counts garbage', () => {
    const parsed = parseVmstat('pgmajfault x\nnr_free_pages 3\n');
    expect(parsed).toEqual({ value: { majorFaults: null, refaults: null, oomKills: null, reclaimed: null }, malformed: 1 });
  });
});

describe('small files', () => {
  it('reads zram mm_stat', () => {
    expect(parseZramMmStat(fixture('zram0-mm_stat'))).toEqual({ value: { dataBytes: 0, comprBytes: 0, usedBytes: 0 }, malformed: 0 });
    expect(parseZramMmStat('4096 1024 8192 0 8192 0 0 0 0\n').value).toEqual({ dataBytes: 4096, comprBytes: 1024, usedBytes: 8192 });
    expect(parseZramMmStat('nope')).toEqual({ value: null, malformed: 1 });
  });

  it('reads the cgroup v2 path from a hybrid layout', () => {
    expect(parseCgroupV2Path(fixture('cgroup-hybrid'))).toBe('/');
    expect(parseCgroupV2Path('0::/user.slice/user-1000.slice/app-firefox.scope\n')).toBe('/user.slice/user-1000.slice/app-firefox.scope');
    expect(parseCgroupV2Path('4:memory:/x\n')).toBeNull();
  });

  it('joins cmdline with spaces and caps it', () => {
    const cmdline = parseCmdline(fixtureBytes('cmdline-comm-with-paren'));
    expect(cmdline).toMatch(/^\/tmp\/tmp\.\w+\/a\) b 60$/);
    expect(parseCmdline(fixtureBytes('cmdline-zombie'))).toBe('');
    const long = parseCmdline(Buffer.from('x'.repeat(2000) + '\0'), 512);
    expect(long).toHaveLength(512);
    expect(long.endsWith('…')).toBe(true);
  });

  it('reads /etc/passwd-style text, first entry winning', () => {
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nalice:x:1000:1000::/home/alice:/bin/sh\ntoor:x:0:0::/:/bin/sh\n');
    expect([...users]).toEqual([[0, 'root'], [1000, 'alice']]);
  });
});
