// A process that execs a program with the same name (perl → perl) is shown with its new command
// line: the exec is told by the code and argv addresses in the stat line the table reads anyway
// (main/sampler/parse/stat-tail.ts, entry-refresh.ts adoptStat), not only by a comm change.
// On the real /proc, with a real child.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pageSize } from '../../main/sampler/page-size';
import { ProcessTable } from '../../main/sampler/process-table';
import { Scratch } from '../../main/sampler/read-file';
import { UserNames } from '../../main/sampler/users';
import type { ProcessInfo } from '../../contract/snapshot';

const children: ChildProcess[] = [];
const tables: ProcessTable[] = [];
afterEach(async () => {
  for (const t of tables.splice(0)) t.close();
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGKILL');
    await exited;
  }
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A table of its own (stat re-read only when the RSS moves, status every ~statusRefreshMs) and `child`'s row in it, read afresh. */
function watch(child: ChildProcess, statusRefreshMs: number): () => ProcessInfo | undefined {
  const t = new ProcessTable({ fdBudget: 8192, statusRefreshMs, statRefreshMs: 600_000, pageSize: pageSize() }, new Scratch(), new UserNames());
  tables.push(t);
  return () => t.read(performance.now()).find((r) => r.info.pid === child.pid)?.info;
}

/** The row read every `everyMs` until `done` holds or `tries` reads were made: the last one. */
async function rowUntil(rowOf: () => ProcessInfo | undefined, done: (row: ProcessInfo | undefined) => boolean, tries: number, everyMs: number): Promise<ProcessInfo | undefined> {
  let row = rowOf();
  for (let i = 0; i < tries && !done(row); i++) {
    await sleep(everyMs);
    row = rowOf();
  }
  return row;
}

/** What /proc says `child`'s command line is now. */
const cmdlineNow = (child: ChildProcess): string => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();

describe('exec with the same comm', () => {
  it('re-reads the command line when a process execs a program of the same name', async () => {
    // perl waits to be told (a line on stdin), then execs perl again with another argv; both bounded to
    // 60 s. The new argument is spelt in two pieces, so the old command line does not contain it.
    const c = spawn('perl', ['-e', 'alarm 60; <STDIN>; exec "perl", "-e", "alarm 60; sleep 60", "headroom-exec-" . "after"', 'headroom-exec-before'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    children.push(c);
    // statRefreshMs far away: the exec must be seen on the stat read its RSS change brings.
    const rowOf = watch(c, 600_000);
    const before = await rowUntil(rowOf, (row) => !!row?.cmdline.includes('headroom-exec-before'), 50, 20);
    expect(before?.cmdline).toContain('headroom-exec-before');
    c.stdin!.write('go\n');
    const expected = 'perl -e alarm 60; sleep 60 headroom-exec-after';
    for (let i = 0; i < 100 && cmdlineNow(c) !== expected; i++) await sleep(20);
    expect(cmdlineNow(c)).toBe(expected);
    // Ten ticks for the table to see it (one stat read, brought by the RSS change, is enough).
    const after = await rowUntil(rowOf, (row) => row?.cmdline === expected, 10, 100);
    expect(after?.comm).toBe('perl');
    expect(before?.comm).toBe('perl');
    expect(after?.cmdline).toBe(expected);
  });
});

describe('a command line rewritten in place', () => {
  it('is seen at the periodic status refresh (setproctitle moves nothing the stat line shows)', async () => {
    // node rewrites its argv in place (process.title writes over it) and puts its comm back, so
    // neither comm nor the argv addresses change; bounded to 60 s.
    const c = spawn(process.execPath, ['-e', "setTimeout(() => process.exit(0), 60000); process.stdin.once('data', () => { process.title = 'headroom-rewritten-title'; require('fs').writeFileSync('/proc/self/comm', 'node'); })", 'headroom-test-hog'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    children.push(c);
    const rowOf = watch(c, 300);
    const before = await rowUntil(rowOf, (row) => !!row?.cmdline.includes('headroom-test-hog'), 50, 20);
    expect(before?.cmdline).toContain('headroom-test-hog');
    c.stdin!.write('go\n');
    for (let i = 0; i < 100 && !cmdlineNow(c).startsWith('headroom-rewritten-title'); i++) await sleep(20);
    expect(cmdlineNow(c).startsWith('headroom-rewritten-title')).toBe(true);
    expect(readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim()).toBe('node');
    // The refresh comes due within 300 ms × 1.5.
    const after = await rowUntil(rowOf, (row) => !!row?.cmdline.startsWith('headroom-rewritten-title'), 20, 100);
    expect(after?.comm).toBe('node');
    expect(after?.cmdline.startsWith('headroom-rewritten-title')).toBe(true);
  });
});
