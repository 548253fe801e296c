/**
 * Start-up benchmark (`npm run bench -- start`, or `npx tsx test/bench/start.ts`): how long
 * `headroom reap PID` takes from process start to exit, and how long the privileged helper takes
 * from start to its answer to `hello`, against `node -e 0` measured in the same run (goal: ≤ 4×).
 *
 * A small Node timer: ROUNDS rounds, each running every command once in turn (so a busy moment on
 * the shared machine hits them alike), wall time from spawn to exit (or to the hello line), medians.
 * Each reap gets a fresh victim, an idle `sleep` child of this process (the person's own process:
 * the in-process path), reaped by PID and start time read by the CLI itself. The helper runs as this
 * user straight from dist/ (what pkexec would start, minus pkexec). NODE_EXTRA_CA_CERTS is removed
 * from the environment: it makes every Node start read a CA file. `HR_BENCH_BASELINE_DIR=<dir>` also
 * times another build (e.g. the commit before, built in a temporary folder) in the same rounds.
 * If hyperfine is installed (`apt-get install hyperfine`; not needed in CI), it also times
 * `node -e 0` against the reap (through `sh -c`, both, each run with a fresh victim) and prints its
 * summary.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.HR_BENCH_ROUNDS ?? 15);
const ROOT = join(__dirname, '..', '..');

const env: NodeJS.ProcessEnv = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const loadAvg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function timeSync(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim()}`);
  return ms;
}

/** `headroom reap` on a fresh idle child: start to exit. */
function timeReap(dir: string): number {
  const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    return timeSync([join(dir, 'dist', 'main', 'cli.js'), 'reap', String(victim.pid), '--json']);
  } finally {
    victim.kill('SIGKILL');
  }
}

/** The helper: start to the first reply line (its hello), then close its stdin. */
function timeHello(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [join(dir, 'dist', 'native', 'helper', 'main.js')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      const ms = performance.now() - t;
      if (!/"ok":true/.test(out)) reject(new Error(`the helper did not answer hello: ${out}`));
      child.stdin.end();
      child.once('exit', () => resolve(ms));
    });
    child.once('error', reject);
    child.stdin.write('{"id":1,"op":"hello"}\n');
  });
}

export interface StartBenchResult {
  rounds: number;
  medianMs: Record<string, number>;
  ratioToNode: Record<string, number>;
  loadAvgAtStart: string;
  loadAvgAtEnd: string;
}

/** Run the benchmark and return its numbers (also printed). */
export async function benchStart(): Promise<StartBenchResult> {
  const builds: [string, string][] = [['', ROOT]];
  if (process.env.HR_BENCH_BASELINE_DIR) builds.push([' (baseline build)', process.env.HR_BENCH_BASELINE_DIR]);
  const times: Record<string, number[]> = { 'node -e 0': [] };
  const loadAvgAtStart = loadAvg();
  for (let r = 0; r < ROUNDS + 1; r++) {
    const sample: Record<string, number> = {};
    sample['node -e 0'] = timeSync(['-e', '0']);
    for (const [suffix, dir] of builds) {
      sample[`headroom reap PID${suffix}`] = timeReap(dir);
      sample[`helper start → hello${suffix}`] = await timeHello(dir);
    }
    // The first round warms the page cache; it is not counted.
    if (r === 0) continue;
    for (const [name, ms] of Object.entries(sample)) (times[name] ??= []).push(ms);
  }
  const medianMs: Record<string, number> = {};
  const ratioToNode: Record<string, number> = {};
  const base = median(times['node -e 0']!);
  for (const [name, xs] of Object.entries(times)) {
    medianMs[name] = round(median(xs));
    ratioToNode[name] = round(median(xs) / base, 2);
  }
  const loadAvgAtEnd = loadAvg();
  process.stdout.write(`${ROUNDS} rounds (medians), NODE_EXTRA_CA_CERTS unset, load average ${loadAvgAtStart} at start, ${loadAvgAtEnd} at end (2 cores, shared)\n`);
  process.stdout.write('| command | median | ÷ node -e 0 |\n|---|---|---|\n');
  for (const name of Object.keys(times)) process.stdout.write(`| ${name} | ${medianMs[name]} ms | ${ratioToNode[name]}× |\n`);
  hyperfine();
  return { rounds: ROUNDS, medianMs, ratioToNode, loadAvgAtStart, loadAvgAtEnd };
}

/** The same comparison through hyperfine, when it is installed. */
function hyperfine(): void {
  try {
    execFileSync('sh', ['-c', 'command -v hyperfine'], { stdio: 'ignore' });
  } catch {
    process.stdout.write('(hyperfine is not installed: apt-get install hyperfine for a second opinion)\n');
    return;
  }
  const pidFile = join(tmpdir(), `headroom-start-bench-victim-${process.pid}`);
  const prepare = `[ -f ${pidFile} ] && kill -9 $(cat ${pidFile}) 2>/dev/null; sleep 60 >/dev/null 2>&1 & echo $! > ${pidFile}`;
  const cli = join(ROOT, 'dist', 'main', 'cli.js');
  try {
    const out = execFileSync(
      'hyperfine',
      ['-w', '2', '-r', String(ROUNDS), '--style', 'basic', '--prepare', prepare, `sh -c "node -e 0"`, `sh -c "node ${cli} reap $(cat ${pidFile}) --json"`],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    process.stdout.write('hyperfine:\n' + out.split('\n').filter((l) => /Benchmark|Time|±|faster/.test(l)).join('\n') + '\n');
  } catch (err) {
    process.stdout.write(`hyperfine failed: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // already reaped by the last run
    }
    try {
      execFileSync('rm', ['-f', pidFile]);
    } catch {
      // nothing to remove
    }
  }
}

if (require.main === module) {
  benchStart().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench start failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
