// What the process table hands out tick after tick (main/sampler/process-table.ts), on real
// processes: a process read again whose every field is unchanged gives back the very row of the last
// tick (the delta encoder then sees it unchanged by identity, and no object is made to live one tick);
// one whose memory changes gets a new row with the new figures; a listing comes out in ascending PID
// order even though readdir sorts /proc's names as text.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pageSize } from '../../main/sampler/page-size';
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
