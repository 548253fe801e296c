/**
 * The app's side of the privileged helper, run for real as an unprivileged test user: a small Node
 * program (installed root-owned beside the test copy of dist/) that holds the real ReapService and,
 * for protocol-level checks, a bare HelperClient. It reads one JSON command per stdin line and
 * answers one JSON line per command, tagged with the command's `seq` (commands may overlap).
 * Also: root-owned targets that ignore SIGTERM, and the helper a driver started. Every process here is
 * killed by PID by the test that started it (stopAll()).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStat } from '../../native/proc';
import { INSTALL_ROOT, TEST_HELPER_PATH, type TestUser } from './setup';

const DRIVER_FILE = 'reap-driver.cjs';

const DRIVER = `const { createReapService } = require('./dist/main/reaper/service.js');
const { HelperClient } = require('./dist/main/reaper/helper-client.js');
const fs = require('node:fs');
const config = JSON.parse(process.argv[2]);
const changes = [];
const service = createReapService({
  sessionCritical: () => config.sessionCritical ?? [],
  endGraceMs: () => config.endGraceMs,
  ...(config.helperIdleMs !== undefined ? { helperIdleMs: config.helperIdleMs } : {}),
});
service.onPrivilegeChange((mode) => changes.push(mode));
let client = null;
const out = (seq, body) => process.stdout.write(JSON.stringify({ seq, ...body }) + '\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line);
  const started = Date.now();
  if (cmd.op === 'reap') {
    const { results } = await service.reap({ targets: cmd.targets, mode: cmd.mode ?? 'kill' });
    out(cmd.seq, { results, ms: Date.now() - started, starts: service.helperStarts(), privilege: service.privilege(), changes });
  } else if (cmd.op === 'raw') {
    client ??= new HelperClient(process.env.HEADROOM_HELPER_PATH, () => {});
    try {
      const reply = await client.request(cmd.body, cmd.timeoutMs);
      out(cmd.seq, { reply, ms: Date.now() - started, starts: client.spawnCount });
    } catch (err) {
      out(cmd.seq, { error: { code: err.code, message: err.message }, ms: Date.now() - started, starts: client.spawnCount });
    }
  } else if (cmd.op === 'state') {
    out(cmd.seq, { privilege: service.privilege(), changes, starts: service.helperStarts() });
  } else if (cmd.op === 'proc-self') {
    const files = {};
    for (const name of cmd.files) {
      try {
        fs.closeSync(fs.openSync('/proc/self/' + name, 'r'));
        files[name] = 'ok';
      } catch (err) {
        files[name] = err.code;
      }
    }
    out(cmd.seq, { files });
  } else if (cmd.op === 'close') {
    await Promise.all([service.close(), client ? client.close() : undefined]);
    out(cmd.seq, {});
    process.exit(0);
  }
});
process.stdout.write('{"ready":true}\\n');
`;

/** Write the driver beside the test install (call after setupPrivileged()). */
export function installDriver(): void {
  writeFileSync(join(INSTALL_ROOT, DRIVER_FILE), DRIVER, { mode: 0o644 });
}

export interface DriverConfig {
  /** The End grace period the service sends (the person's setting). */
  endGraceMs: number;
  /** Passed to createReapService: each helper leaves after this much idle time. */
  helperIdleMs?: number;
  /** The person's session-critical names (default none). */
  sessionCritical?: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are whatever the command produced; each test checks the fields it needs
export type DriverReply = Record<string, any>;

export interface Driver {
  pid: number;
  child: ChildProcess;
  /** Send one command; resolves with its answer. */
  ask(cmd: object): Promise<DriverReply>;
  /** Close its service (stopping its helper) and let it exit; bounded. */
  close(): Promise<void>;
}

const started: ChildProcess[] = [];

/**
 * Run a driver script installed in INSTALL_ROOT as `user`, as the app would run: a plain
 * environment, the test helper's path, stdin and stdout piped.
 */
export function spawnAsUser(user: TestUser, script: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [join(INSTALL_ROOT, script), ...args], {
    uid: user.uid,
    gid: user.gid,
    cwd: INSTALL_ROOT,
    env: { PATH: '/usr/bin:/bin', HEADROOM_HELPER_PATH: TEST_HELPER_PATH, HOME: '/' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** Start a driver as `user`, with the test helper path. */
export async function startDriver(user: TestUser, config: DriverConfig): Promise<Driver> {
  const child = spawnAsUser(user, DRIVER_FILE, [JSON.stringify(config)]);
  started.push(child);
  const waiting = new Map<number, (reply: DriverReply) => void>();
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const reply = JSON.parse(buffered.slice(0, nl)) as DriverReply;
      buffered = buffered.slice(nl + 1);
      if (reply.ready) onReady();
      else waiting.get(reply.seq)?.(reply);
    }
  });
  await ready;
  let seq = 0;
  const ask = (cmd: object): Promise<DriverReply> => {
    const id = ++seq;
    const answered = new Promise<DriverReply>((resolve) => waiting.set(id, resolve));
    child.stdin!.write(JSON.stringify({ ...cmd, seq: id }) + '\n');
    return answered;
  };
  return {
    pid: child.pid!,
    child,
    ask,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      void ask({ op: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    },
  };
}

/**
 * A root-owned target (`headroom-test-hog` in argv, no memory to speak of) that ignores SIGTERM, or
 * exits `exitAfterTermMs` after it; it ends by itself after 120 s.
 */
export async function startTarget(exitAfterTermMs?: number): Promise<{ pid: number; startTime: number; child: ChildProcess }> {
  const onTerm = exitAfterTermMs === undefined ? '() => {}' : `() => setTimeout(() => process.exit(0), ${exitAfterTermMs})`;
  const child = spawn(process.execPath, ['-e', `process.on("SIGTERM", ${onTerm}); process.stdout.write("up\\n"); setTimeout(() => process.exit(0), 120000)`, 'headroom-test-hog'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(child);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { pid: child.pid!, startTime: readStat(child.pid!)!.startTime, child };
}

/** Kill (SIGKILL, by PID) every driver and target started here that still runs. */
export function stopAll(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** The helper a driver started: its child (pkexec execs the wrapper, which execs Node on the helper). */
export function helperOf(driverPid: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readStat(Number(entry))?.ppid === driverPid) return Number(entry);
  }
  return null;
}

/** Poll `probe` every 50 ms until it gives a value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | null, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True while the process `pid` started at `startTime` runs: not gone, not a zombie, not a reused pid. */
export function alive(pid: number, startTime: number): boolean {
  if (readStat(pid)?.startTime !== startTime) return false;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text[text.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}
