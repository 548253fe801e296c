// What the process table hands out tick after tick (main/sampler/process-table.ts), on real
// processes: a process read again whose every field is unchanged gives back the very row of the last
// tick (the delta encoder then sees it unchanged by identity, and no object is made to live one tick);
// one whose memory changes gets a new row with the new figures; a listing comes out in ascending PID
// order even though readdir sorts /proc's names as text.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pageSize } from '../../main/sampler/page-size';
import { newEntry, rowOf, type Entry } from '../../main/sampler/process-entry';
import { ProcessTable } from '../../main/sampler/process-table';
import { Scratch } from '../../main/sampler/read-file';
import { UserNames } from '../../main/sampler/users';
import { HOG_MARKER } from '../support/hogs';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A table without cgroup v2 idleness, so every process is read on every tick. */
function table(): ProcessTable {
  return new ProcessTable({ fdBudget: 4096, statusRefreshMs: 600_000, statRefreshMs: 600_000, pageSize: pageSize(), cgroupV2Mount: null }, new Scratch(), new UserNames());
}

describe('process table rows', () => {
  it('are the same object while nothing about the process changed, and new when its memory does', async () => {
    const idle = spawn('sleep', ['30'], { stdio: 'ignore' });
    // Grows by 8 MiB twice, a second apart, then sleeps; ends by itself after 30 s.
    const grower = spawn('python3', ['-c', 'import time\nb=[]\nfor i in range(2):\n  time.sleep(1); b.append(bytearray(8<<20))\ntime.sleep(30)', HOG_MARKER], { stdio: 'ignore' });
    children.push(idle, grower);
    await sleep(300);
    const t = table();
    const rowsOf = () => {
      const rows = t.read(Date.now(), 0);
      return { idle: rows.find((r) => r.info.pid === idle.pid)!, grower: rows.find((r) => r.info.pid === grower.pid)! };
    };
    rowsOf();
    await sleep(100);
    const first = rowsOf();
    let idleSame = 0;
    const growerRows = new Set([first.grower]);
    for (let i = 0; i < 30; i++) {
      await sleep(100);
      const now = rowsOf();
      if (now.idle === first.idle) idleSame++;
      else expect(now.idle.info).not.toEqual(first.idle.info);
      growerRows.add(now.grower);
    }
    // The idle sleeper read 30 times: the same row each time (its RSS, split and growth stayed 0).
    expect(idleSame).toBe(30);
    expect(first.idle.info.growthBytesPerSec).toBe(0);
    // The grower got new rows as it grew, with its new RSS.
    expect(growerRows.size).toBeGreaterThan(1);
    const rss = [...growerRows].map((r) => r.info.rssBytes);
    expect(Math.max(...rss) - Math.min(...rss)).toBeGreaterThanOrEqual(12 << 20);
    t.close();
  });

  it('come out of a listing in ascending PID order', () => {
    // readdir sorts /proc as text ("10" before "9"): this machine must show that for the test to mean anything.
    const names = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
    expect(names.some((n, i) => i > 0 && Number(n) < Number(names[i - 1]))).toBe(true);
    const t = table();
    const pids = t.read(Date.now(), 0).map((r) => r.info.pid);
    expect(t.listed).toBe(true);
    expect(pids.length).toBeGreaterThan(10);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));
    t.close();
  });
});

describe('rowOf', () => {
  /** An entry as the table holds one after its reads (a real `sleep`'s figures, written out). */
  function entry(): Entry {
    const e = newEntry(4242, null, 0, 1);
    e.stat = { pid: 4242, comm: 'sleep', state: 'S', ppid: 1, session: 77, flags: 0, startTime: 123456, rssPages: 100, kernelThread: false };
    Object.assign(e, { cmdline: 'sleep 30', uid: 1000, user: 'ann', cgroup: '/app.slice/a.scope', anon: 100 << 10, file: 300 << 10, shmem: 0, swap: 0, oomScore: 666, oomScoreAdj: 0 });
    return e;
  }
  const RSS = 400 << 10;

  it('gives back the last row while the entry still says exactly that, and a new, correct one when any field differs', () => {
    const last = rowOf(entry(), RSS, 0);
    expect(rowOf(entry(), RSS, 0, last)).toBe(last);
    // A row that group-apps gave an app id is still the same process's row.
    const withApp = { ...last, info: { ...last.info, appId: 'app:a' } };
    expect(rowOf(entry(), RSS, 0, withApp)).toBe(withApp);
    const changes: [string, (e: Entry) => void, number, number][] = [
      ['ppid', (e) => (e.stat = { ...e.stat, ppid: 2 }), RSS, 0],
      ['state', (e) => (e.stat = { ...e.stat, state: 'R' }), RSS, 0],
      ['zombie (no cmdline)', (e) => (e.stat = { ...e.stat, state: 'Z' }), RSS, 0],
      ['comm', (e) => (e.stat = { ...e.stat, comm: 'sleeper' }), RSS, 0],
      ['session', (e) => (e.stat = { ...e.stat, session: 78 }), RSS, 0],
      ['start time', (e) => (e.stat = { ...e.stat, startTime: 123457 }), RSS, 0],
      ['cmdline', (e) => (e.cmdline = 'sleep 31'), RSS, 0],
      ['uid', (e) => (e.uid = 1001), RSS, 0],
      ['user', (e) => (e.user = 'bob'), RSS, 0],
      ['cgroup', (e) => (e.cgroup = '/app.slice/b.scope'), RSS, 0],
      ['split', (e) => ((e.anon = 200 << 10), (e.file = 200 << 10)), RSS, 0],
      ['shmem', (e) => ((e.file = 200 << 10), (e.shmem = 100 << 10)), RSS, 0],
      ['swap', (e) => (e.swap = 4096), RSS, 0],
      ['oom score', (e) => (e.oomScore = 667), RSS, 0],
      ['oom score adj', (e) => (e.oomScoreAdj = 100), RSS, 0],
      ['rss', () => {}, RSS + 4096, 0],
      ['growth', () => {}, RSS, 4096],
    ];
    for (const [what, change, rss, growth] of changes) {
      const e = entry();
      change(e);
      const row = rowOf(e, rss, growth, last);
      expect(row, what).not.toBe(last);
      expect(row, what).toEqual(rowOf(e, rss, growth));
      expect(row, what).not.toEqual(last);
    }
  });
});
