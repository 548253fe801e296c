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

describe('exec with the same comm', () => {
  it('re-reads the command line when a process execs a program of the same name', async () => {
    // perl waits to be told (a line on stdin), then execs perl again with another argv; both bounded to
    // 60 s. The new argument is spelt in two pieces, so the old command line does not contain it.
    const c = spawn('perl', ['-e', 'alarm 60; <STDIN>; exec "perl", "-e", "alarm 60; sleep 60", "headroom-exec-" . "after"', 'headroom-exec-before'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    children.push(c);
    // statRefreshMs far away: the exec must be seen on the stat read its RSS change brings.
    const t = new ProcessTable({ fdBudget: 8192, statusRefreshMs: 600_000, statRefreshMs: 600_000, pageSize: pageSize() }, new Scratch(), new UserNames());
    tables.push(t);
    const rowOf = () => t.read(performance.now()).find((r) => r.info.pid === c.pid)?.info;
    let before = rowOf();
    for (let i = 0; i < 50 && !before?.cmdline.includes('headroom-exec-before'); i++) {
      await sleep(20);
      before = rowOf();
    }
    expect(before?.cmdline).toContain('headroom-exec-before');
    c.stdin!.write('go\n');
    const expected = 'perl -e alarm 60; sleep 60 headroom-exec-after';
    const cmdlineNow = () => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    for (let i = 0; i < 100 && cmdlineNow() !== expected; i++) await sleep(20);
    expect(cmdlineNow()).toBe(expected);
    // Ten ticks for the table to see it (one stat read, brought by the RSS change, is enough).
    let after = rowOf();
    for (let i = 0; i < 10 && after?.cmdline !== expected; i++) {
      await sleep(100);
      after = rowOf();
    }
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
    const t = new ProcessTable({ fdBudget: 8192, statusRefreshMs: 300, statRefreshMs: 600_000, pageSize: pageSize() }, new Scratch(), new UserNames());
    tables.push(t);
    const rowOf = () => t.read(performance.now()).find((r) => r.info.pid === c.pid)?.info;
    let before = rowOf();
    for (let i = 0; i < 50 && !before?.cmdline.includes('headroom-test-hog'); i++) {
      await sleep(20);
      before = rowOf();
    }
    expect(before?.cmdline).toContain('headroom-test-hog');
    c.stdin!.write('go\n');
    const cmdlineNow = () => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    for (let i = 0; i < 100 && !cmdlineNow().startsWith('headroom-rewritten-title'); i++) await sleep(20);
    expect(cmdlineNow().startsWith('headroom-rewritten-title')).toBe(true);
    expect(readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim()).toBe('node');
    // The refresh comes due within 300 ms × 1.5.
    let after = rowOf();
    for (let i = 0; i < 20 && !after?.cmdline.startsWith('headroom-rewritten-title'); i++) {
      await sleep(100);
      after = rowOf();
    }
    expect(after?.comm).toBe('node');
    expect(after?.cmdline.startsWith('headroom-rewritten-title')).toBe(true);
  });
});
