/**
 * systemd-oomd's kills through the real path, on a private D-Bus bus (the real system bus lets nobody
 * own org.freedesktop.oom1, and systemd-oomd is not installed here): a real dbus-daemon, a stand-in
 * for systemd-oomd that owns org.freedesktop.oom1 and emits Manager.Killed(s, s) exactly as oomd does
 * (oomd-owner.py, raw D-Bus), and a process whose comm is "systemd-oomd" (a copy of sleep) so the
 * recorder finds it running and starts its `gdbus monitor`. The real recorder on a real sampler loop
 * must turn the signal into an oomd-kill marker and record it. What this cannot show: that a real
 * systemd-oomd sends exactly this (its source says so: src/oom/oomd-manager.c, "Killed").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../contract/record';
import { createRecorder } from '../../main/recorder/recorder';
import { readSamples } from '../../main/recorder/store-reader';
import { SamplerLoop } from '../../main/sampler';

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
  });
}

describe('systemd-oomd kills', () => {
  it('become oomd-kill markers, recorded, when systemd-oomd runs and signals Killed', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'headroom-oomd-'));
    const children: ChildProcess[] = [];
    const savedAddress = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    const recorder = createRecorder({ dir: join(tmp, 'headroom'), log: () => {} });
    const loop = new SamplerLoop({ intervalMs: 250 });
    try {
      writeFileSync(
        join(tmp, 'bus.conf'),
        `<busconfig><listen>unix:path=${join(tmp, 'bus')}</listen><auth>EXTERNAL</auth><policy context="default">` +
          '<allow user="*"/><allow own="*"/><allow send_type="method_call"/><allow send_type="signal"/><allow send_destination="*"/>' +
          '<allow receive_type="signal"/><allow receive_type="method_return"/><allow receive_type="error"/><allow receive_type="method_call"/>' +
          '<allow send_requested_reply="true"/><allow receive_requested_reply="true"/></policy></busconfig>',
      );
      const bus = spawn('dbus-daemon', [`--config-file=${join(tmp, 'bus.conf')}`, '--nofork', '--print-address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(bus);
      const address = (await waitForLine(bus, /unix:path=[^\n]+/, 10_000)).trim();
      process.env.DBUS_SYSTEM_BUS_ADDRESS = address;

      copyFileSync('/bin/sleep', join(tmp, 'systemd-oomd'));
      children.push(spawn(join(tmp, 'systemd-oomd'), ['60'], { stdio: 'ignore' }));
      const owner = spawn('/usr/bin/python3', [join(__dirname, 'oomd-owner.py')], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
      children.push(owner);
      await waitForLine(owner, /owned/, 10_000);

      const kills: RecordedEvent[] = [];
      recorder.onKill((k) => {
        kills.push(k);
        recorder.event(k);
      });
      loop.onSnapshot((s) => recorder.tick(s));
      recorder.start();
      loop.start();
      const deadline = Date.now() + 20_000;
      while (!recorder.killers().some((k) => k.name === 'systemd-oomd' && k.running)) {
        if (Date.now() > deadline) throw new Error('the recorder never saw systemd-oomd running');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(recorder.killers().find((k) => k.name === 'systemd-oomd')!.thresholds).toMatch(/^kills in managed cgroups at 60% memory pressure for 30s/);
      // The monitor subscribes asynchronously: signal until it is heard.
      while (kills.length === 0) {
        if (Date.now() > deadline) throw new Error('no oomd-kill marker');
        owner.stdin!.write('/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope memory-pressure\n');
        await new Promise((r) => setTimeout(r, 500));
      }
      const kill = kills[0]!;
      expect(kill).toMatchObject({ kind: 'oomd-kill', label: 'firefox', victim: null });
      expect(kill.detail).toBe('systemd-oomd ended cgroup /user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope (memory-pressure)');
      const stored = readSamples(join(tmp, 'headroom'), { from: 0, to: Date.now() + 1000 }).events;
      expect(stored.some((e) => e.kind === 'oomd-kill' && e.label === 'firefox')).toBe(true);
    } finally {
      loop.stop();
      recorder.close();
      for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      if (savedAddress === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = savedAddress;
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
