/**
 * status.killers from real processes: a copy of `sleep` named `earlyoom` is a process whose comm the
 * kernel reports as "earlyoom"; the real sampler sees it and detectKillers must list earlyoom as
 * running with the thresholds its command line gives (none here → earlyoom's defaults). systemd-oomd,
 * earlyoom and nohang are not installed on this machine, so nothing else may be listed.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KillerSchema } from '../../contract/recorder';
import { detectKillers } from '../../main/recorder/kills/killers';
import { createSampler } from '../../main/sampler';

describe('other killers', () => {
  it('lists a running earlyoom (by its process) with thresholds, and nothing that is absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-killers-'));
    const fake = join(dir, 'earlyoom');
    copyFileSync('/bin/sleep', fake);
    const child = spawn(fake, ['30'], { stdio: 'ignore' });
    const sampler = createSampler({});
    try {
      await new Promise((r) => setTimeout(r, 300));
      const none = detectKillers(sampler.sample().processes.filter((p) => p.pid !== child.pid));
      expect(none.filter((k) => k.name === 'earlyoom')).toEqual([]);
      const killers = detectKillers(sampler.sample().processes);
      const earlyoom = killers.find((k) => k.name === 'earlyoom');
      expect(earlyoom).toEqual({ name: 'earlyoom', running: true, thresholds: 'kills when available memory is under 10 % and free swap under 10 %' });
      for (const k of killers) expect(KillerSchema.parse(k)).toEqual(k);
      // Installed-but-not-running is found by the binary in the given folders.
      expect(detectKillers([], [dir])).toEqual([{ name: 'earlyoom', running: false, thresholds: expect.stringContaining('kills when available memory is under') }]);
      expect(detectKillers([], [join(dir, 'nothing-here')])).toEqual([]);
    } finally {
      sampler.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
