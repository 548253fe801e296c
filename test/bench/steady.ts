/**
 * Steady-cost benchmark (`npm run bench -- steady`, or `npx tsx test/bench/steady.ts`): what the
 * whole Headroom process costs at 1 Hz with 2,000 processes and no window connected, side by side
 * with btop, top and htop watching the same process table over the same window.
 *
 * Needs (not in CI): `apt-get install btop htop procps tmux`. btop and htop want a terminal, so
 * each runs headless in its own tmux session (btop with `update_ms = 1000` from a config in a temp
 * HOME; htop with `-d 10`, i.e. 1 s); `top -b -d 1` writes to /dev/null. Headroom runs as
 * `node dist/main/cli.js serve --port 0 --allow-root` with its settings in a temp folder (so the
 * sampler, the main thread, the history and the idle server are all in the figure).
 * `HR_BENCH_BASELINE_DIR=<dir>` also runs another build's `serve` (e.g. an older commit built in a
 * temporary folder) in the same window: before/after on the same table in the same minute.
 *
 * Measured per monitor from outside, the same way for all: CPU share of one core from the deltas
 * of utime+stime in /proc/PID/stat (every thread, 10 ms clock ticks) over the window, of which
 * stime alone (the kernel's share: for a monitor, mostly its /proc reads), and RSS (VmRSS) at the
 * end. For Headroom also the main thread's share alone. `HR_BENCH_WINDOW_S` (default
 * 60) sets the window; `HR_BENCH_SOAK_MIN` (default 0) keeps going afterwards and prints each
 * Headroom's RSS every minute (goal: ≤ 60 MiB after 10 minutes with the history full).
 * `HR_BENCH_CHILDREN_SCOPE=1` starts the 2,000 children inside a cgroup v2 group named like a
 * desktop app scope (`app-headroom-bench-<pid>.scope`, as systemd would put an app's processes)
 * instead of the root group this container leaves everything in; Headroom can then tell from the
 * group's cpu.stat that none of them ran (main/sampler/idle-groups.ts). The group is removed at the end.
 * Every child (sleeps, monitors, tmux sessions) is ended by PID / session name in `finally`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeGroup } from '../e2e/pressure';
import { killChildren, killChildrenOnExit, startIdleChildren } from '../support/idle-children';

const CHILDREN = 2000;
const WARMUP_MS = Number(process.env.HR_BENCH_WARMUP_S ?? 15) * 1000;
const WINDOW_MS = Number(process.env.HR_BENCH_WINDOW_S ?? 60) * 1000;
const SOAK_MIN = Number(process.env.HR_BENCH_SOAK_MIN ?? 0);
const USER_HZ = 100;
const ROOT = join(__dirname, '..', '..');

interface Monitor {
  name: string;
  pid: number;
  /** Headroom processes: also report the main thread alone. */
  headroom: boolean;
  stop: () => void;
}

export interface MonitorCost {
  name: string;
  pid: number;
  cpuPctOfOneCore: number;
  /** Of which in the kernel (stime). */
  kernelPctOfOneCore: number;
  mainThreadPct: number | null;
  rssMiB: number;
  threads: number;
}

export interface SteadyBenchResult {
  processes: number;
  windowS: number;
  monitors: MonitorCost[];
  /** Headroom ÷ btop (CPU), for each Headroom build. */
  ratiosToBtop: Record<string, number>;
  loadAvgAtStart: string;
  loadAvgAtEnd: string;
  soak: { minute: number; rssMiB: Record<string, number> }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAvg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** utime+stime (`all`) and stime alone (`kernel`: for a monitor, mostly its /proc reads) in clock ticks of a process (all threads) or of one task, from one read. */
function cpuTicks(statPath: string): { all: number; kernel: number } {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const kernel = Number(fields[12]);
  return { all: Number(fields[11]) + kernel, kernel };
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The resident memory of a process split as smaps_rollup splits it: its own (anonymous) and file pages it maps, and PSS. */
function memoryParts(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return `anon ${round(kib('Anonymous') / 1024, 1)}, file ${round((kib('Rss') - kib('Anonymous')) / 1024, 1)}, PSS ${round(kib('Pss') / 1024, 1)}`;
  } catch {
    return 'gone';
  }
}

function threadsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Start a terminal program headless in its own tmux session; its pid is the pane's (the command execs). */
async function inTmux(name: string, session: string, command: string): Promise<Monitor> {
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `exec ${command}`]);
  await sleep(500);
  const pid = Number(execFileSync('tmux', ['list-panes', '-t', session, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not find ${name}'s pid in tmux session ${session}`);
  return {
    name,
    pid,
    headroom: false,
    stop: () => {
      try {
        execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}

/** Start `headroom serve` of a build (dist under `dir`) with its settings in a temp folder. */
async function startServe(name: string, dir: string, home: string): Promise<Monitor> {
  const cli = join(dir, 'dist', 'main', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build it first (npm run build)`);
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  delete env.NODE_EXTRA_CA_CERTS;
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--allow-root'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('running at')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited early (code ${code})`)));
  });
  return {
    name,
    pid: child.pid!,
    headroom: true,
    stop: () => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Run the benchmark and return its numbers (also printed). */
export async function benchSteady(): Promise<SteadyBenchResult> {
  for (const tool of ['btop', 'htop', 'top', 'tmux']) {
    if (!have(tool)) throw new Error(`${tool} is not installed: apt-get install btop htop procps tmux`);
  }
  const children: ChildProcess[] = [];
  const unguard = killChildrenOnExit(children);
  const monitors: Monitor[] = [];
  const temp = mkdtempSync(join(tmpdir(), 'headroom-steady-'));
  const tag = `hr-steady-${process.pid}`;
  const loadAvgAtStart = loadAvg();
  const ownV2Group = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  const scope = process.env.HR_BENCH_CHILDREN_SCOPE === '1' ? `/sys/fs/cgroup/unified/app-headroom-bench-${process.pid}.scope` : null;
  try {
    // Children inherit the group of the process that forks them: this one, moved there for the start only.
    if (scope) {
      mkdirSync(scope);
      writeFileSync(join(scope, 'cgroup.procs'), String(process.pid));
    }
    try {
      await startIdleChildren(CHILDREN, children, WARMUP_MS / 1000 + WINDOW_MS / 1000 + SOAK_MIN * 60 + 120);
    } finally {
      if (scope) writeFileSync(`/sys/fs/cgroup/unified${ownV2Group === '/' ? '' : ownV2Group}/cgroup.procs`, String(process.pid));
    }
    const btopHome = join(temp, 'btop');
    mkdirSync(join(btopHome, '.config', 'btop'), { recursive: true });
    writeFileSync(join(btopHome, '.config', 'btop', 'btop.conf'), 'update_ms = 1000\n');
    monitors.push(await startServe('headroom serve', ROOT, join(temp, 'headroom')));
    const baselineDir = process.env.HR_BENCH_BASELINE_DIR;
    if (baselineDir) monitors.push(await startServe(`headroom serve (baseline: ${baselineDir})`, baselineDir, join(temp, 'baseline')));
    monitors.push(await inTmux('btop (update_ms 1000)', `${tag}-btop`, `env HOME=${btopHome} LANG=C.UTF-8 btop`));
    monitors.push(await inTmux('htop -d 10', `${tag}-htop`, `env HOME=${temp} LANG=C.UTF-8 htop -d 10`));
    const top = spawn('top', ['-b', '-d', '1'], { stdio: ['ignore', 'ignore', 'ignore'] });
    monitors.push({ name: 'top -b -d 1', pid: top.pid!, headroom: false, stop: () => top.kill('SIGKILL') });

    process.stdout.write(`${CHILDREN} idle children and ${monitors.length} monitors started; warming up ${WARMUP_MS / 1000} s, then measuring ${WINDOW_MS / 1000} s\n`);
    await sleep(WARMUP_MS);
    const before = monitors.map((m) => ({ ...cpuTicks(`/proc/${m.pid}/stat`), main: m.headroom ? cpuTicks(`/proc/${m.pid}/task/${m.pid}/stat`).all : 0 }));
    const startedAt = performance.now();
    await sleep(WINDOW_MS);
    const seconds = (performance.now() - startedAt) / 1000;
    const processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    const costs: MonitorCost[] = monitors.map((m, i) => {
      const now = cpuTicks(`/proc/${m.pid}/stat`);
      const all = now.all - before[i]!.all;
      const kernel = now.kernel - before[i]!.kernel;
      const main = m.headroom ? cpuTicks(`/proc/${m.pid}/task/${m.pid}/stat`).all - before[i]!.main : null;
      return {
        name: m.name,
        pid: m.pid,
        cpuPctOfOneCore: round(((all / USER_HZ) / seconds) * 100),
        kernelPctOfOneCore: round(((kernel / USER_HZ) / seconds) * 100),
        mainThreadPct: main === null ? null : round(((main / USER_HZ) / seconds) * 100),
        rssMiB: round(rssMiB(m.pid), 1),
        threads: threadsOf(m.pid),
      };
    });
    const btop = costs.find((c) => c.name.startsWith('btop'))!;
    const ratiosToBtop: Record<string, number> = {};
    for (const c of costs) if (c.mainThreadPct !== null) ratiosToBtop[c.name] = round(c.cpuPctOfOneCore / Math.max(btop.cpuPctOfOneCore, 0.01));

    const loadAvgAtEnd = loadAvg();
    if (scope) process.stdout.write(`\nthe ${CHILDREN} children ran in ${scope}`);
    process.stdout.write(`\n${processes} processes on the machine, ${round(seconds, 1)} s window, load average ${loadAvgAtStart} at start, ${loadAvgAtEnd} at end (2 cores, shared)\n`);
    process.stdout.write('| monitor | CPU share of one core | of which in the kernel | of which main thread | resident memory | threads | ÷ btop |\n|---|---|---|---|---|---|---|\n');
    for (const c of costs) {
      const ratio = ratiosToBtop[c.name] ?? (c === btop ? 1 : round(c.cpuPctOfOneCore / Math.max(btop.cpuPctOfOneCore, 0.01)));
      process.stdout.write(`| ${c.name} | ${c.cpuPctOfOneCore.toFixed(2)} % | ${c.kernelPctOfOneCore.toFixed(2)} % | ${c.mainThreadPct === null ? '—' : c.mainThreadPct.toFixed(2) + ' %'} | ${c.rssMiB} MiB | ${c.threads} | ${ratio}× |\n`);
    }

    const soak: SteadyBenchResult['soak'] = [];
    for (let minute = 1; minute <= SOAK_MIN; minute++) {
      await sleep(60_000);
      const rss: Record<string, number> = {};
      for (const m of monitors) if (m.headroom) rss[m.name] = round(rssMiB(m.pid), 1);
      soak.push({ minute, rssMiB: rss });
      const sinceStart = round((WARMUP_MS + WINDOW_MS) / 60_000 + minute, 1);
      const parts = monitors.filter((m) => m.headroom).map((m) => `${m.name} ${rss[m.name]} MiB (${memoryParts(m.pid)})`);
      process.stdout.write(`soak, ${sinceStart} min after Headroom started: ${parts.join(' · ')} · load ${loadAvg()}\n`);
    }
    return { processes, windowS: round(seconds, 1), monitors: costs, ratiosToBtop, loadAvgAtStart, loadAvgAtEnd, soak };
  } finally {
    for (const m of monitors) m.stop();
    await killChildren(children);
    unguard();
    if (scope) await removeGroup(scope);
    rmSync(temp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchSteady().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench steady failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
