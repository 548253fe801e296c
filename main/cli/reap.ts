/**
 * `headroom reap PID [--start-time T] [--end] [--force] [--json]`: end one process and free its
 * memory now. Own processes are reaped in-process; other users' through pkexec and the helper.
 * Exit 0 when it worked, 1 when it failed or was refused, 2 on bad arguments.
 */
import { PID_LIMIT } from '../../contract/reap';
import { DEFAULT_SESSION_CRITICAL, defaultSettings } from '../../contract/settings';
import { readStat } from '../../native/proc';
import { createReapService } from '../reaper/service';
import { describeResult } from '../reaper/format';
import { intValue, parseArgs, UsageError } from './args';

/** Run the reap subcommand; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ['--start-time'], booleans: ['--end', '--force', '--json'] });
  if (parsed.positionals.length !== 1) throw new UsageError('needs exactly one PID');
  const pid = intValue('PID', parsed.positionals[0], 2, PID_LIMIT)!;
  let startTime = intValue('--start-time', parsed.values.get('--start-time'), 0, Number.MAX_SAFE_INTEGER);
  if (startTime === undefined) {
    const stat = readStat(pid);
    if (!stat) {
      process.stderr.write(`headroom reap: no process with PID ${pid} (it may have exited).\n`);
      return 1;
    }
    startTime = stat.startTime;
    process.stderr.write(`headroom reap: no --start-time given; using the current start time of PID ${pid} (${stat.comm}, ${startTime}).\n`);
  }
  const service = createReapService({
    sessionCritical: () => DEFAULT_SESSION_CRITICAL,
    endGraceMs: () => defaultSettings().endGraceMs,
  });
  try {
    const { results } = await service.reap({
      targets: [{ pid, startTime }],
      mode: parsed.booleans.has('--end') ? 'end' : 'kill',
      force: parsed.booleans.has('--force'),
    });
    const result = results[0]!;
    if (parsed.booleans.has('--json')) process.stdout.write(JSON.stringify(result) + '\n');
    else (result.ok ? process.stdout : process.stderr).write(describeResult(result) + '\n');
    return result.ok ? 0 : 1;
  } finally {
    await service.close();
  }
}
