/**
 * `headroom reap PID [--start-time T] [--end] [--force] [--json]`: end one process and free its
 * memory now. Exit 0 when it worked, 1 when it failed or was refused, 2 on bad arguments.
 *
 * Start-up is most of what this command costs, so its path loads only what a reap needs
 * (docs/BENCHMARKS.md, "Start"): the person's own process is reaped right here on the main thread
 * (a one-shot command has no window to keep responsive, so the reap worker thread the app uses
 * would only add its own start), with the same native/reap.ts sequence and the reaper's raised
 * priority; zod and the contract's schemas are not loaded (the results come from our own code).
 * Only another user's process loads the full reap service, which starts the privileged helper.
 */
import type { ReapResult } from '../../contract/reap';
import { DEFAULT_SESSION_CRITICAL } from '../../contract/session-critical';
import { ownerUid, readPidMax, readStat, selfAndAncestorIdentities } from '../../native/proc';
import { visibleControls } from '../../contract/display-name';
import { describeResult } from '../reaper/format';
import { intValue, parseArgs, UsageError } from './args';

/** The End grace period: the settings' default endGraceMs (test/reaper/cli.test.ts checks they agree). */
export const CLI_END_GRACE_MS = 5000;
/** Linux's hard ceiling for pid_max, when the live one cannot be read. */
const PID_LIMIT = 4_194_304;

function pidMax(): number {
  try {
    const max = readPidMax();
    return Number.isSafeInteger(max) && max > 2 ? max : PID_LIMIT;
  } catch {
    return PID_LIMIT;
  }
}

/** Run the reap subcommand; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ['--start-time'], booleans: ['--end', '--force', '--json'] });
  if (parsed.positionals.length !== 1) throw new UsageError('needs exactly one PID');
  // pid_max is one past the highest PID the kernel hands out.
  const pid = intValue('PID', parsed.positionals[0], 2, pidMax() - 1)!;
  let startTime = intValue('--start-time', parsed.values.get('--start-time'), 0, Number.MAX_SAFE_INTEGER);
  if (startTime === undefined) {
    const stat = readStat(pid);
    if (!stat) {
      process.stderr.write(`headroom reap: no process with PID ${pid} (it may have exited).\n`);
      return 1;
    }
    startTime = stat.startTime;
    process.stderr.write(`headroom reap: no --start-time given; using the current start time of PID ${pid} (${visibleControls(stat.comm)}, ${startTime}).\n`);
  }
  const request = { targets: [{ pid, startTime }], mode: parsed.booleans.has('--end') ? ('end' as const) : ('kill' as const), force: parsed.booleans.has('--force') };
  const owner = ownerUid(pid);
  // Gone (null) is handled here too: the reap says "changed or exited" without asking anyone.
  const own = process.geteuid?.() === 0 || owner === null || owner === process.getuid?.();
  const result = own ? reapHere(request) : await reapThroughService(request);
  if (parsed.booleans.has('--json')) process.stdout.write(JSON.stringify(result) + '\n');
  else (result.ok ? process.stdout : process.stderr).write(describeResult(result) + '\n');
  return result.ok ? 0 : 1;
}

type CliRequest = { targets: { pid: number; startTime: number }[]; mode: 'kill' | 'end'; force: boolean };

/* eslint-disable @typescript-eslint/no-require-imports -- loaded only on the path that needs it, synchronously (CommonJS) */
/** The person's own process: the reap sequence on this thread, at the reaper's priority where allowed. */
function reapHere(request: CliRequest): ReapResult {
  const { reapTargets } = require('../../native/reap.js') as typeof import('../../native/reap.js');
  const { REAPER_NICE, setThreadNice } = require('../../native/priority.js') as typeof import('../../native/priority.js');
  // As on the reap worker: process_mrelease frees on our CPU time, so win the CPU (root only; else nice 0).
  setThreadNice(REAPER_NICE);
  return reapTargets(request, { via: 'in-process', sessionCritical: DEFAULT_SESSION_CRITICAL, endGraceMs: CLI_END_GRACE_MS, protectedPids: selfAndAncestorIdentities() })[0]!;
}

/** Another user's process: the full reap service, which asks polkit and starts the helper. */
async function reapThroughService(request: CliRequest): Promise<ReapResult> {
  const { createReapService } = require('../reaper/service.js') as typeof import('../reaper/service.js');
  const service = createReapService({ sessionCritical: () => DEFAULT_SESSION_CRITICAL, endGraceMs: () => CLI_END_GRACE_MS });
  try {
    return (await service.reap(request)).results[0]!;
  } finally {
    await service.close();
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */
