// The guard banner's Reap opens the confirmation for the culprit's app row: found by its app id, or,
// when that id is gone (its processes moved group), by the app now holding one of its PIDs — only
// under the culprit's name, so a PID reused by another program never opens a dialog for it.
import { describe, expect, it } from 'vitest';
import { culpritRow } from '../../renderer/components/GuardBanner';
import { makeSnapshot, typicalApps } from './factory';
import { makeCulprit } from './guard-factory';

/** The app a row is for (culpritRow gives app rows). */
const appName = (row: ReturnType<typeof culpritRow>) => (row?.kind === 'app' ? row.app.name : null);

describe('culpritRow', () => {
  const snapshot = makeSnapshot(typicalApps());
  const leaky = snapshot.apps.find((a) => a.name === 'leaky')!;

  it('finds the culprit by its app id, and by a PID of its under another id when the name is the same', () => {
    expect(appName(culpritRow(makeCulprit({ appId: leaky.id }), snapshot))).toBe('leaky');
    // Moved into another group since the guard named it: a new app id, the same program.
    expect(appName(culpritRow(makeCulprit({ appId: 'tree:1:2', pids: [4242] }), snapshot))).toBe('leaky');
  });

  it('does not take the app of a PID reused by another program', () => {
    // The culprit "ghost" (PID 4242) is gone; PID 4242 now belongs to the app "leaky".
    expect(culpritRow(makeCulprit({ appId: 'tree:9:9', name: 'ghost', pids: [4242] }), snapshot)).toBeNull();
    expect(culpritRow(makeCulprit(), null)).toBeNull();
  });

  it('does not take the app of a PID reused by a program of the same name: the start time tells them apart', () => {
    const now = snapshot.processes.find((p) => p.pid === 4242)!;
    // Named with its start time, under an app id that is gone: found when the start time is the same…
    expect(appName(culpritRow(makeCulprit({ appId: 'tree:1:2', pids: [4242], startTimes: [now.startTime] }), snapshot))).toBe('leaky');
    // …and not when PID 4242 is a later "leaky" than the one the guard named.
    expect(culpritRow(makeCulprit({ appId: 'tree:1:2', pids: [4242], startTimes: [now.startTime - 100] }), snapshot)).toBeNull();
  });
});
