// The reap's kill-to-release stretch runs as SCHED_FIFO where allowed (root here), and the thread is
// back to SCHED_OTHER afterwards — also when the reap had nothing to kill.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gettid, realtimeForRelease } from '../../native/priority';
import { readStat } from '../../native/proc';
import { reapTargets } from '../../native/reap';
import { killChildren } from '../support/idle-children';

/** Field 41 of this thread's stat: its scheduling policy (0 SCHED_OTHER, 1 SCHED_FIFO). */
function policy(): number {
  const stat = readFileSync(`/proc/self/task/${gettid()}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
}

describe('release priority', () => {
  it.runIf(process.getuid!() === 0)('raises this thread to SCHED_FIFO and restores SCHED_OTHER', () => {
    expect(policy()).toBe(0);
    const restore = realtimeForRelease();
    try {
      expect(policy()).toBe(1);
    } finally {
      restore();
    }
    expect(policy()).toBe(0);
  });

  it('leaves the thread at SCHED_OTHER after a reap, whether it killed or refused', async () => {
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const startTime = readStat(victim.pid!)!.startTime;
      const [refused] = reapTargets({ targets: [{ pid: victim.pid!, startTime: startTime + 1 }], mode: 'kill', force: false }, { via: 'in-process' });
      expect(refused!.ok).toBe(false);
      expect(policy()).toBe(0);
      const [reaped] = reapTargets({ targets: [{ pid: victim.pid!, startTime }], mode: 'kill', force: false }, { via: 'in-process' });
      expect(reaped).toMatchObject({ ok: true, method: 'mrelease' });
      expect(policy()).toBe(0);
    } finally {
      await killChildren([victim]);
    }
  });
});
