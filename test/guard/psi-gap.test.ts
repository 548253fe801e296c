/**
 * What ends `headroom guard` (main/cli/guard.ts exits 1 on the guard's onUnavailable): only the
 * trigger watch finding no PSI file at all, never one snapshot without PSI. Real trigger watches on
 * the real /proc/pressure/memory (and a path that does not exist).
 */
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import type { GuardState } from '../../contract/guard';
import { createGuard, GuardLock } from '../../main/guard';
import { guardSnapshot, recordingReaper } from './guard-snapshots';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../support/until';

function guardOn(systemPath: string) {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-psi-gap-'));
  const unavailable: string[] = [];
  const states: GuardState[] = [];
  const guard = createGuard({
    settings: () => defaultSettings(),
    reaper: recordingReaper().reaper,
    sampling: { setIntervalMs() {} },
    onState: (s) => states.push(s),
    onUnavailable: (note) => unavailable.push(note),
    lock: new GuardLock(join(dir, 'guard.lock')),
    triggers: { systemPath, cgroupMount: null, raisePriority: false },
    // The snapshots' made-up times, fed in a burst: the guard's clock follows them.
    clockAt: (s) => s.time,
  });
  guard.start();
  return { guard, unavailable, states, done: () => (guard.close(), rmSync(dir, { recursive: true, force: true })) };
}

describe('a gap in PSI', () => {
  it('one snapshot without PSI: unavailable for that sample, the trigger mode back on the next, onUnavailable never called', async () => {
    const g = guardOn('/proc/pressure/memory');
    try {
      const first = await until('the trigger mode', () => g.states.find((s) => s.mode !== 'unavailable'), 10_000, 20);
      g.guard.observe(guardSnapshot(1000, 0, 0, []));
      const bad = guardSnapshot(2000, 0, 0, []);
      bad.psi = null;
      g.guard.observe(bad);
      expect(g.guard.state().mode).toBe('unavailable');
      for (let t = 3000; t <= 5000; t += 1000) g.guard.observe(guardSnapshot(t, t * 10, 0, []));
      expect(g.guard.state()).toMatchObject({ mode: first.mode, windowMs: first.windowMs, modeNote: first.modeNote, pressure: { some: 1, full: 0 } });
      expect(g.unavailable).toEqual([]);
    } finally {
      g.done();
    }
  });

  it('no PSI file at all: the trigger watch says so once, through onUnavailable', async () => {
    const g = guardOn('/nonexistent/pressure/memory');
    try {
      const note = await until('onUnavailable', () => g.unavailable[0], 10_000, 20);
      expect(note).toMatch(/^No memory pressure information: \/nonexistent\/pressure\/memory cannot be read/);
      expect(g.guard.state().mode).toBe('unavailable');
    } finally {
      g.done();
    }
  });
});
