// The process table skips listing /proc when the fork count and the PID cursor say nothing (or only a
// few PIDs) can be new (main/sampler/fork-watch.ts). On the real /proc with real children: new ones
// appear and gone ones vanish on the very next tick, a PID reused between two ticks is read as the new
// process, and a thread's TID (probed like a new PID) never becomes a row. Each case retries a few
// times because other programs on this shared machine fork too (which can make a tick list /proc);
// each demands that the unlisted path was taken at least once, so none passes on listings alone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decidePlan, ForkWatch } from '../../main/sampler/fork-watch';
import { pageSize } from '../../main/sampler/page-size';
import { ProcessTable } from '../../main/sampler/process-table';
import { Scratch } from '../../main/sampler/read-file';
import { UserNames } from '../../main/sampler/users';

const ATTEMPTS = 12;
const children: ChildProcess[] = [];
const tables: ProcessTable[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const t of tables.splice(0)) t.close();
});

function table(): ProcessTable {
  const t = new ProcessTable({ fdBudget: 8192, statusRefreshMs: 60_000, statRefreshMs: 20_000, pageSize: pageSize() }, new Scratch(), new UserNames());
  tables.push(t);
  return t;
}

function child(argv0 = 'sleep'): ChildProcess {
  const c = spawn('sleep', ['60'], { stdio: 'ignore', argv0 });
  c.on('error', () => {});
  children.push(c);
  return c;
}

function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));

describe('fork watch: reading the table without listing /proc', () => {
  it('shows a child started between two ticks on the next tick', () => {
    const t = table();
    t.read(Date.now());
    let unlisted = 0;
    for (let i = 0; i < ATTEMPTS && unlisted < 3; i++) {
      t.read(Date.now());
      const c = child();
      const rows = t.read(Date.now());
      const row = rows.find((r) => r.info.pid === c.pid);
      expect(row, `child ${c.pid} missing (listed: ${t.listed})`).toBeDefined();
      expect(row!.info.startTime).toBe(startTimeOf(c.pid!));
      expect(row!.info.comm).toBe('sleep');
      if (!t.listed) unlisted++;
      // Rows come in ascending PID order whichever way they were read.
      for (let k = 1; k < rows.length; k++) expect(rows[k]!.info.pid).toBeGreaterThan(rows[k - 1]!.info.pid);
    }
    expect(unlisted).toBeGreaterThan(0);
  });

  it('drops a child that exited between two ticks on the next tick', async () => {
    const t = table();
    let unlisted = 0;
    for (let i = 0; i < ATTEMPTS && unlisted < 3; i++) {
      const c = child();
      expect(t.read(Date.now()).some((r) => r.info.pid === c.pid)).toBe(true);
      const startTime = startTimeOf(c.pid!);
      c.kill('SIGKILL');
      await exited(c);
      const row = t.read(Date.now()).find((r) => r.info.pid === c.pid);
      // The PID may only be there again as another process.
      if (row) expect(row.info.startTime).not.toBe(startTime);
      if (!t.listed) unlisted++;
    }
    expect(unlisted).toBeGreaterThan(0);
  });

  it('reads a PID reused between two unlisted ticks as the new process, never with the old one’s data', async () => {
    const t = table();
    let proven = false;
    for (let i = 0; i < ATTEMPTS * 2 && !proven; i++) {
      const old = child();
      const pid = old.pid!;
      t.read(Date.now());
      // Put the PID cursor just below the old process's PID (root only), so the next fork after its
      // death gets this PID back, and let the table see that cursor on a tick of its own.
      try {
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      } catch {
        break;
      }
      const before = t.read(Date.now()).find((r) => r.info.pid === pid)!;
      expect(before.info.comm).toBe('sleep');
      old.kill('SIGKILL');
      await exited(old);
      const reused = child('headroom-reuse-probe');
      if (reused.pid !== pid) continue; // another program's fork took it
      const row = t.read(Date.now()).find((r) => r.info.pid === pid)!;
      expect(row).toBeDefined();
      expect(row.info.startTime).toBe(startTimeOf(pid));
      expect(row.info.cmdline).toContain('headroom-reuse-probe');
      if (row.info.startTime === before.info.startTime) continue; // same 10 ms clock tick: not a proof
      proven = !t.listed;
    }
    // Root with CAP_SYS_ADMIN (this machine) can steer the next PID; without it this case cannot run.
    if (process.getuid!() === 0) expect(proven).toBe(true);
  });

  it("never shows a thread's TID as a process", async () => {
    const t = table();
    const py = spawn('/usr/bin/python3', ['-c', 'import sys,threading,time\nfor line in sys.stdin:\n  for _ in range(8): threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n  print("ok", flush=True)\n'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(py);
    await new Promise((r) => setTimeout(r, 300));
    let unlisted = 0;
    let tids: number[] = [];
    for (let i = 0; i < ATTEMPTS && unlisted < 2; i++) {
      t.read(Date.now());
      py.stdin!.write('go\n');
      await new Promise((r) => py.stdout!.once('data', r));
      const rows = t.read(Date.now());
      expect(rows.some((r) => r.info.pid === py.pid)).toBe(true);
      tids = readdirSync(`/proc/${py.pid}/task`).map(Number).filter((tid) => tid !== py.pid);
      expect(tids.length).toBeGreaterThanOrEqual(8);
      for (const tid of tids) expect(rows.some((r) => r.info.pid === tid)).toBe(false);
      if (!t.listed) unlisted++;
    }
    expect(unlisted).toBeGreaterThan(0);
  });
});

/**
 * Run the built ForkWatch in a new PID namespace (`mountProc`: with its own /proc): the first plan,
 * then ten times a fork and the plan after it, and the forked PIDs (as that namespace numbers them).
 */
function inPidNamespace(mountProc: boolean): { first: unknown; afterForks: { list: boolean; candidates?: number[] }[]; children: number[] } {
  const dist = join(__dirname, '..', '..', 'dist', 'main', 'sampler');
  const script = `
    const { ForkWatch } = require(${JSON.stringify(join(dist, 'fork-watch.js'))});
    const { Scratch } = require(${JSON.stringify(join(dist, 'read-file.js'))});
    const { spawnSync } = require('node:child_process');
    const watch = new ForkWatch(new Scratch());
    const first = watch.plan(0, 1000);
    const afterForks = [];
    const children = [];
    for (let i = 0; i < 10; i++) {
      watch.plan(1, 1000);
      children.push(Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim()));
      afterForks.push(watch.plan(2, 1000));
    }
    process.stdout.write(JSON.stringify({ first, afterForks, children }));`;
  const out = execFileSync('unshare', ['--pid', '--fork', ...(mountProc ? ['--mount-proc'] : []), process.execPath, '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as ReturnType<typeof inPidNamespace>;
}

describe('ForkWatch', () => {
  it('under a PID namespace whose /proc is the outer one, never trusts the inner PID cursor: it lists', () => {
    // Needs root (CAP_SYS_ADMIN) for unshare --pid; dist/ must be built (npm test builds first).
    if (process.getuid!() !== 0) return;
    const outer = inPidNamespace(false);
    expect(outer.first).toEqual({ list: true });
    for (const plan of outer.afterForks) expect(plan).toEqual({ list: true });
    // With its own /proc the cursor is the one /proc shows: a fork is found by probing (unless the
    // host forked meanwhile, which the namespace's cursor cannot show: then it lists).
    const own = inPidNamespace(true);
    expect(own.first).toEqual({ list: true });
    const probed = own.afterForks.map((plan, i) => (plan.list ? null : { plan, child: own.children[i]! })).filter((p) => p !== null);
    expect(probed.length).toBeGreaterThan(0);
    for (const { plan, child } of probed) expect(plan.candidates).toContain(child);
  });

  it('asks for a listing first, nothing while no task is created, and for the new PID after a fork', () => {
    const watch = new ForkWatch(new Scratch());
    try {
      expect(watch.plan(0, 1000)).toEqual({ list: true });
      let quiet = false;
      let found = false;
      for (let i = 0; i < ATTEMPTS && !(quiet && found); i++) {
        const plan = watch.plan(1, 1000);
        if (!plan.list && plan.candidates.length === 0) quiet = true;
        const c = child();
        const next = watch.plan(2, 1000);
        if (!next.list) {
          expect(next.candidates).toContain(c.pid);
          found = true;
        }
      }
      expect(found).toBe(true);
      // A machine where something forks every millisecond would never show a quiet tick; this one does.
      expect(quiet).toBe(true);
      // The periodic listing: 10 s after the last one, whatever the counters say.
      expect(watch.plan(20_000, 1000)).toEqual({ list: true });
    } finally {
      watch.close();
    }
  });

  it('probes once more, on the next tick only, a new PID that was not there yet', () => {
    const watch = new ForkWatch(new Scratch());
    try {
      watch.plan(0, 1000);
      let checked = false;
      for (let i = 0; i < ATTEMPTS && !checked; i++) {
        watch.plan(1, 1000);
        const c = child();
        const plan = watch.plan(2, 1000);
        if (plan.list || !plan.candidates.includes(c.pid!)) continue;
        // As if the probe had come between the fork's PID and its task showing in /proc.
        watch.notFound([c.pid!]);
        const retried = watch.plan(3, 1000);
        if (retried.list) continue; // something else forked a lot meanwhile: try again
        expect(retried.candidates).toContain(c.pid);
        watch.notFound([c.pid!]); // a retried PID is not retried again
        const after = watch.plan(4, 1000);
        if (after.list) continue;
        expect(after.candidates).not.toContain(c.pid);
        checked = true;
      }
      expect(checked).toBe(true);
    } finally {
      watch.close();
    }
  });
});

describe('decidePlan: the orderings a race between the two counter reads can produce', () => {
  const PID_MAX = 32_768;
  it('nothing new only when neither the fork count nor the cursor moved', () => {
    expect(decidePlan({ forks: 50, cursor: 100 }, { forks: 50, cursor: 100 }, PID_MAX, 64)).toEqual({ list: false, candidates: [] });
  });

  it('a fork counted last tick after the cursor was read (its PID past the kept cursor) is probed this tick', () => {
    // Last tick read cursor 100, then the count 51 that already included the fork that took PID 101.
    // This tick nothing else happened: the count stands still, the cursor shows 101.
    expect(decidePlan({ forks: 51, cursor: 100 }, { forks: 51, cursor: 101, tasks: 70 }, PID_MAX, 64)).toEqual({ list: false, candidates: [101] });
  });

  it('probes the stretch the cursor moved over, going round at pid_max and skipping 0', () => {
    expect(decidePlan({ forks: 10, cursor: 32_766 }, { forks: 12, cursor: 2, tasks: 70 }, PID_MAX, 64)).toEqual({ list: false, candidates: [32_767, 1, 2] });
  });

  it('lists when more tasks were made than the cursor moved, when the stretch is long, or when it may have gone round', () => {
    expect(decidePlan({ forks: 10, cursor: 100 }, { forks: 13, cursor: 102, tasks: 70 }, PID_MAX, 64)).toEqual({ list: true });
    expect(decidePlan({ forks: 10, cursor: 100 }, { forks: 11, cursor: 300, tasks: 70 }, PID_MAX, 64)).toEqual({ list: true });
    expect(decidePlan({ forks: 10, cursor: 100 }, { forks: 11, cursor: 101, tasks: PID_MAX }, PID_MAX, 64)).toEqual({ list: true });
    expect(decidePlan({ forks: 10, cursor: 100 }, { forks: 11, cursor: 101 }, PID_MAX, 64)).toEqual({ list: true }); // tasks unknown
  });

  it('without a usable cursor (another PID namespace) only the fork count decides', () => {
    expect(decidePlan({ forks: 10, cursor: -1 }, { forks: 10, cursor: -1 }, PID_MAX, 64)).toEqual({ list: false, candidates: [] });
    expect(decidePlan({ forks: 10, cursor: -1 }, { forks: 11, cursor: -1 }, PID_MAX, 64)).toEqual({ list: true });
    expect(decidePlan({ forks: -1, cursor: 5 }, { forks: 10, cursor: 5 }, PID_MAX, 64)).toEqual({ list: true });
  });
});
