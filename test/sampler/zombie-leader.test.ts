// A process whose main thread exited (pthread_exit) while another thread runs has a zombie leader:
// its /proc/PID/statm reads 0 and its cmdline is empty, though the other thread holds all its
// memory. The table reads those through the live thread (main/sampler/entry-refresh.ts), so the
// process shows its real RSS and command line. On the real /proc, with a real child compiled here.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pageSize } from '../../main/sampler/page-size';
import { ProcessTable } from '../../main/sampler/process-table';
import { Scratch } from '../../main/sampler/read-file';
import { UserNames } from '../../main/sampler/users';
import { HOG_MARKER } from '../support/hogs';

const MiB = 1024 * 1024;
const HOG_MIB = 128;

// argv: HOG_MARKER MIB SECS LEADER_MS. The main thread exits after LEADER_MS (≤ 5000); the worker then
// allocates MIB (≤ 512) and touches it, lives SECS (≤ 60) and ends the process; alarm() ends it anyway.
const SOURCE = `
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static long mib; static int secs; static long leader_ms; char *volatile keep;
static void *worker(void *arg) {
  (void)arg;
  usleep((leader_ms + 200) * 1000);
  char *p = malloc(mib << 20); if (p) memset(p, 1, mib << 20); keep = p;
  sleep(secs); _exit(0);
}
int main(int argc, char **argv) {
  if (argc < 5) return 2;
  mib = atol(argv[2]); secs = atoi(argv[3]); leader_ms = atol(argv[4]);
  if (leader_ms > 5000) leader_ms = 5000;
  if (mib > 512) mib = 512;
  if (secs > 60) secs = 60;
  alarm(secs + 5);
  pthread_t t; pthread_create(&t, 0, worker, 0);
  usleep(leader_ms * 1000);
  pthread_exit(0);
}
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function compile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-zleader-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'zleader.c'), SOURCE);
  execFileSync('cc', ['-O2', '-pthread', '-o', join(dir, 'zleader'), join(dir, 'zleader.c')]);
  return join(dir, 'zleader');
}

function start(program: string, leaderMs: number): ChildProcess {
  const c = spawn(program, [HOG_MARKER, String(HOG_MIB), '30', String(leaderMs)], { stdio: 'ignore' });
  cleanups.push(async () => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGKILL');
    await exited;
  });
  return c;
}

/** The kernel's view: the leader's state, and the RSS read through the other thread. */
function kernelView(pid: number): { state: string; threadRss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const state = stat.slice(stat.lastIndexOf(')') + 2)[0]!;
  const tid = readdirSync(`/proc/${pid}/task`).find((t) => t !== String(pid));
  const threadRss = tid ? Number(readFileSync(`/proc/${pid}/task/${tid}/statm`, 'utf8').split(' ')[1]) * pageSize() : 0;
  return { state, threadRss };
}

function table(): ProcessTable {
  const t = new ProcessTable({ fdBudget: 8192, statusRefreshMs: 600_000, statRefreshMs: 600_000, pageSize: pageSize() }, new Scratch(), new UserNames());
  cleanups.push(() => t.close());
  return t;
}

// The C compiler comes with the test machine (.ci/run installs gcc and libc6-dev); without it the build of the child fails loudly.
describe('a process whose main thread exited while another runs', () => {
  const waitFullSize = async (pid: number) => {
    for (let i = 0; i < 100 && !(kernelView(pid).state === 'Z' && kernelView(pid).threadRss >= HOG_MIB * MiB); i++) await sleep(50);
    expect(kernelView(pid).state).toBe('Z');
    expect(kernelView(pid).threadRss).toBeGreaterThanOrEqual(HOG_MIB * MiB);
  };

  it('shows its memory and command line when it was known before the main thread exited', async () => {
    const program = compile();
    const t = table();
    const c = start(program, 1000);
    // Seen while its main thread is alive: a plain process.
    await sleep(300);
    const alive = t.read(performance.now()).find((r) => r.info.pid === c.pid)!.info;
    expect(alive.state).not.toBe('Z');
    expect(alive.cmdline).toBe(`${program} ${HOG_MARKER} ${HOG_MIB} 30 1000`);
    await waitFullSize(c.pid!);
    const row = t.read(performance.now()).find((r) => r.info.pid === c.pid)!.info;
    const kernel = kernelView(c.pid!);
    expect(row.state).toBe('Z');
    expect(Math.abs(row.rssBytes - kernel.threadRss)).toBeLessThan(MiB);
    expect(row.anonBytes).toBeGreaterThanOrEqual(HOG_MIB * MiB);
    expect(row.cmdline).toBe(`${program} ${HOG_MARKER} ${HOG_MIB} 30 1000`);
  });

  it('shows them when first seen with its main thread already gone, and drops them with the process', async () => {
    const program = compile();
    const c = start(program, 0);
    await waitFullSize(c.pid!);
    const t = table();
    const row = t.read(performance.now()).find((r) => r.info.pid === c.pid)!.info;
    expect(row.state).toBe('Z');
    expect(Math.abs(row.rssBytes - kernelView(c.pid!).threadRss)).toBeLessThan(MiB);
    expect(row.anonBytes).toBeGreaterThanOrEqual(HOG_MIB * MiB);
    expect(row.cmdline).toContain(HOG_MARKER);
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGKILL');
    await exited;
    expect(t.read(performance.now()).some((r) => r.info.pid === c.pid)).toBe(false);
  });
});
