/**
 * A real kernel OOM kill, safely (KERNEL.md): a hog (`headroom-test-hog` in argv) allocating 300 MiB in
 * a child v1 memory cgroup of ours limited to 150 MiB is killed by the kernel. The real writer
 * (`headroom serve`, temporary XDG_STATE_HOME) must record it as an oom-kill event naming the victim's
 * PID and name from /dev/kmsg, shown by `headroom history --events`. A second recorder in this process,
 * denied the kernel log, must name the same victim from the process that vanished between ticks.
 * The hog, the cgroup and the folders are removed in finally.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryLineSchema, type RecordedEvent } from '../../contract/record';
import { createRecorder } from '../../main/recorder/recorder';
import { SamplerLoop } from '../../main/sampler';
import { ownMemoryCgroupV1 } from '../e2e/pressure';
import { HOG_MARKER, startHog, stopAllHogs } from '../support/hogs';

const cli = join(__dirname, '..', '..', 'dist', 'main', 'cli.js');
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  await stopAllHogs();
  for (const c of cleanups.splice(0).reverse()) await c();
});

function removeCgroup(dir: string): Promise<void> {
  return (async () => {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
}

describe('kernel OOM kills', () => {
  it('are recorded as events naming the victim, from the kernel log and from the vanished process', async () => {
    const home = mkdtempSync(join(tmpdir(), 'headroom-oom-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const env = { ...process.env, XDG_STATE_HOME: home, XDG_CONFIG_HOME: home };

    // The real writer, reading /dev/kmsg.
    const serve: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--allow-root'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    cleanups.push(() => {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      serve.stdout!.on('data', (d: Buffer) => d.toString().includes('running at') && resolve());
      serve.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
    });

    // A second recorder here, denied the kernel log, fed by a real sampler loop at 250 ms.
    const fallbackDir = join(home, 'fallback');
    const kills: RecordedEvent[] = [];
    const recorder = createRecorder({ dir: fallbackDir, kmsgPath: join(home, 'no-kmsg'), log: () => {} });
    const loop = new SamplerLoop({ intervalMs: 250 });
    recorder.onKill((k) => kills.push(k));
    loop.onSnapshot((s) => recorder.tick(s));
    recorder.start();
    loop.start();
    cleanups.push(() => {
      loop.stop();
      recorder.close();
    });
    await new Promise((r) => setTimeout(r, 2000));

    const cgroup = join(ownMemoryCgroupV1(), `headroom-rec-oom-${process.pid}`);
    mkdirSync(cgroup);
    cleanups.push(() => removeCgroup(cgroup));
    writeFileSync(join(cgroup, 'memory.limit_in_bytes'), String(150 * 1024 * 1024));
    // The shell puts itself in the cgroup and execs the hog, so the hog is born charged there.
    const hog = startHog({ mib: 300, rateMiBps: 100, lifetimeSec: 60, wrap: ['sh', '-c', 'echo $$ > "$0" && exec "$@"', join(cgroup, 'cgroup.procs')] });
    await Promise.race([hog.exited, new Promise((r) => setTimeout(r, 20_000))]);
    expect(hog.alive()).toBe(false);
    expect(hog.child.signalCode).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 2500));

    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    const r = spawnSync(process.execPath, [cli, 'history', '--since', '10m', '--events', '--json'], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => HistoryLineSchema.parse(JSON.parse(l)));
    const ours = events.find((e) => e.type === 'event' && e.victim?.pid === hog.pid);
    expect(ours, `no event for PID ${hog.pid} in: ${r.stdout}`).toBeDefined();
    if (ours?.type !== 'event') throw new Error('unreachable');
    expect(ours.kind).toBe('oom-kill');
    expect(ours.victim!.name).toBe('node');
    expect(ours.victim!.source).toBe('kmsg');
    expect(ours.victim!.cgroup).toContain(`headroom-rec-oom-${process.pid}`);
    expect(ours.victim!.anonBytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(ours.detail).toMatch(new RegExp(`^Kernel OOM killer ended node \\(PID ${hog.pid}, \\d+ MiB anon\\) in memory cgroup .*headroom-rec-oom-${process.pid} \\(1 OOM kill there so far\\)$`));
    const table = spawnSync(process.execPath, [cli, 'history', '--since', '10m', '--events'], { env, encoding: 'utf8' });
    expect(table.stdout).toContain(`OOM-KILL  node — Kernel OOM killer ended node (PID ${hog.pid}`);

    const fallback = kills.find((k) => k.victim?.pid === hog.pid);
    expect(fallback, `fallback saw: ${JSON.stringify(kills)}`).toBeDefined();
    expect(fallback!.victim!.source).toBe('vanished');
    expect(fallback!.victim!.name).toBe('node');
    expect(fallback!.detail).toContain(`probably node (PID ${hog.pid}`);
    expect(HOG_MARKER).toBe('headroom-test-hog');
  }, 120_000);
});
