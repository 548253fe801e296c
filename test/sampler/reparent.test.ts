// The sampler re-reads an idle process's stat on the tick after its parent exits, so its ppid (and
// with it the app it is grouped under) follows a re-parenting at once, although idle processes'
// stat is otherwise refreshed only every ~20 s.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSampler } from '../../main/sampler';

describe('re-parenting', () => {
  it('shows an orphan under its new parent on the next tick, with no periodic stat refresh to help', async () => {
    const shell = spawn('sh', ['-c', 'sleep 60 & echo $!; read x'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const orphanPid = await new Promise<number>((resolve) => shell.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    // Never signal anything but a PID we were told (kill(0) would be our own process group).
    if (!(Number.isInteger(orphanPid) && orphanPid > 1)) throw new Error(`no PID from the shell: ${orphanPid}`);
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

  it('follows a re-parenting when the parent becomes a zombie its own parent never waits for, not only when it is gone', async () => {
    // perl forks sh and never waits: sh starts a sleep, prints its PID and exits, and stays a zombie
    // while perl lives; the sleep is re-parented at that exit.
    // (Single quotes inside the perl code: in double quotes perl would read $! as its own errno.)
    const perl = spawn('perl', ['-e', "if (fork() == 0) { exec('sh', '-c', 'sleep 60 & echo $!; read x', 'headroom-test-hog') } sleep 30", 'headroom-test-hog'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const orphanPid = await new Promise<number>((resolve) => perl.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    // Never signal anything but a PID we were told (kill(0) would be our own process group).
    if (!(Number.isInteger(orphanPid) && orphanPid > 1)) throw new Error(`no PID from the shell: ${orphanPid}`);
    const sampler = createSampler({ statRefreshMs: 3_600_000 });
    try {
      const before = sampler.sample().processes.find((p) => p.pid === orphanPid);
      const shPid = before!.ppid;
      expect(shPid).not.toBe(perl.pid);
      perl.stdin.end('\n');
      // sh exits (a zombie under perl) and its sleep is re-parented.
      const deadline = Date.now() + 5000;
      while (!readFileSync(`/proc/${shPid}/stat`, 'utf8').includes(') Z ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${shPid}/stat`, 'utf8')).toContain(') Z ');
      // The tick that sees the parent a zombie schedules the re-read; the next one shows it.
      sampler.sample();
      const after = sampler.sample().processes.find((p) => p.pid === orphanPid);
      expect(after).toBeDefined();
      expect(after!.ppid).not.toBe(shPid);
    } finally {
      sampler.close();
      for (const pid of [orphanPid, perl.pid ?? 0]) {
        if (pid <= 1) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
