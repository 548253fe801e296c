// The sampler re-reads an idle process's stat on the tick after its parent exits, so its ppid (and
// with it the app it is grouped under) follows a re-parenting at once, although idle processes'
// stat is otherwise refreshed only every ~20 s.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createSampler } from '../../main/sampler';

describe('re-parenting', () => {
  it('shows an orphan under its new parent on the next tick, with no periodic stat refresh to help', async () => {
    const shell = spawn('sh', ['-c', 'sleep 60 & echo $!; read x'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const orphanPid = await new Promise<number>((resolve) => shell.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    // A refresh period far longer than the test: only the parent's exit can make it re-read stat.
    const sampler = createSampler({ statRefreshMs: 3_600_000 });
    try {
      const before = sampler.sample().processes.find((p) => p.pid === orphanPid);
      expect(before?.ppid).toBe(shell.pid);
      shell.stdin.end('\n');
      await new Promise((r) => shell.once('exit', r));
      await new Promise((r) => setTimeout(r, 50));
      // The tick that sees the parent gone schedules the re-read; the next one shows it.
      sampler.sample();
      const after = sampler.sample().processes.find((p) => p.pid === orphanPid);
      expect(after).toBeDefined();
      expect(after!.ppid).not.toBe(shell.pid);
    } finally {
      sampler.close();
      try {
        process.kill(orphanPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
