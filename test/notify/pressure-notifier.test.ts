/** The pressure notification decision: threshold, hold time, rate limit, the app it names. */
import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../contract/settings';
import { formatBytes, formatRate } from '../../main/notify/format';
import { biggestGrower, NOTICE_MIN_GAP_MS, PressureNotifier } from '../../main/notify/pressure-notifier';
import { GiB, makeSnapshot, MiB, type AppSpec } from './make-snapshot';

const settings = (patch: Partial<Settings> = {}): Settings => ({ ...defaultSettings(), ...patch });
const firefox: AppSpec = { name: 'firefox', rss: 3.2 * GiB, growth: 120 * MiB };
const editor: AppSpec = { name: 'editor', rss: 5 * GiB, growth: 2 * MiB };

/** Feed one snapshot per second from `fromSec` to `toSec` inclusive; return the seconds at which a notice came. */
function run(n: PressureNotifier, s: Settings, fromSec: number, toSec: number, full: number, apps = [firefox, editor]): number[] {
  const at: number[] = [];
  for (let t = fromSec; t <= toSec; t++) {
    if (n.observe(makeSnapshot({ full, apps }), s, t * 1000)) at.push(t);
  }
  return at;
}

describe('PressureNotifier', () => {
  it('notifies once pressure has stayed above the threshold for notifyAfterSeconds, naming the biggest grower', () => {
    const n = new PressureNotifier();
    const s = settings({ fullThresholdPct: 10, notifyAfterSeconds: 5 });
    for (let t = 0; t < 5; t++) expect(n.observe(makeSnapshot({ full: 30, apps: [firefox, editor] }), s, t * 1000)).toBeNull();
    const notice = n.observe(makeSnapshot({ full: 30, apps: [firefox, editor] }), s, 5000);
    expect(notice).not.toBeNull();
    expect(notice!.body).toBe('Memory pressure is high. firefox is using 3.2 GiB and growing 120 MiB/s.');
    expect(notice!.appId).toBe('tree:1000:5000');
    expect(notice!.appName).toBe('firefox');
    expect(notice!.fullAvg10).toBe(30);
  });

  it('stays quiet at or below the threshold, and without PSI', () => {
    const n = new PressureNotifier();
    const s = settings({ fullThresholdPct: 10, notifyAfterSeconds: 1 });
    expect(run(n, s, 0, 30, 10)).toEqual([]);
    expect(run(n, s, 31, 60, 9.99)).toEqual([]);
    for (let t = 61; t < 80; t++) expect(n.observe(makeSnapshot({ psi: false, apps: [firefox] }), s, t * 1000)).toBeNull();
    for (let t = 80; t < 90; t++) expect(n.observe(makeSnapshot({ full: null, some: 90, apps: [firefox] }), s, t * 1000)).toBeNull();
  });

  it('a drop below the threshold restarts the hold time', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 5 });
    expect(run(n, s, 0, 4, 50)).toEqual([]);
    expect(run(n, s, 5, 5, 1)).toEqual([]);
    // High again from 6 s: the notice needs 5 more seconds of it, not the 4 already seen before the dip.
    expect(run(n, s, 6, 11, 50)).toEqual([11]);
  });

  it('a gap in sampling (paused) restarts the hold time', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 5 });
    expect(run(n, s, 0, 3, 50)).toEqual([]);
    // Sampling resumes at 60 s: five more seconds of high pressure are needed, from there.
    expect(run(n, s, 60, 66, 50)).toEqual([65]);
  });

  it('never more than one notice a minute while pressure stays high, and one a minute after that', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 2 });
    expect(run(n, s, 0, 200, 40)).toEqual([2, 62, 122, 182]);
    expect(NOTICE_MIN_GAP_MS).toBe(60_000);
  });

  it('the minute holds across episodes: pressure that drops and comes back within it does not notify again', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 2 });
    expect(run(n, s, 0, 2, 40)).toEqual([2]);
    expect(run(n, s, 3, 10, 0)).toEqual([]);
    expect(run(n, s, 11, 61, 40)).toEqual([]);
    expect(run(n, s, 62, 62, 40)).toEqual([62]);
  });

  it('a clock that jumps backwards does not silence notices for the size of the jump', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 1 });
    expect(run(n, s, 10_000, 10_001, 40)).toEqual([10_001]);
    // Back to 0: the hold restarts, and the next notice comes one minute after the jump, not 10 000 s later.
    const at = run(n, s, 0, 70, 40);
    expect(at).toEqual([60]);
  });

  it('says nothing when notifications are off, and starts over when they are turned back on', () => {
    const n = new PressureNotifier();
    const off = settings({ notifications: false, notifyAfterSeconds: 2 });
    expect(run(n, off, 0, 100, 90)).toEqual([]);
    expect(run(n, settings({ notifyAfterSeconds: 2 }), 101, 103, 90)).toEqual([103]);
  });

  it('without any app to suggest it still notifies, with no Reap target', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 1 });
    n.observe(makeSnapshot({ full: 25, apps: [] }), s, 0);
    const notice = n.observe(makeSnapshot({ full: 25, apps: [] }), s, 1000);
    expect(notice).toMatchObject({ appId: null, appName: null });
    expect(notice!.body).toMatch(/^Memory pressure is high\. .*25 %/);
  });

  it('leaves out "growing" for an app that is not growing', () => {
    const n = new PressureNotifier();
    const s = settings({ notifyAfterSeconds: 1 });
    const apps = [{ name: 'db', rss: 6 * GiB, growth: 0 }];
    n.observe(makeSnapshot({ full: 25, apps }), s, 0);
    expect(n.observe(makeSnapshot({ full: 25, apps }), s, 1000)!.body).toBe('Memory pressure is high. db is using 6.0 GiB.');
  });
});

describe('biggestGrower', () => {
  const critical = defaultSettings().sessionCritical;

  it('picks the highest growth, ties broken by RSS', () => {
    const snap = makeSnapshot({
      apps: [
        { name: 'a', rss: 1 * GiB, growth: 10 * MiB },
        { name: 'b', rss: 2 * GiB, growth: 50 * MiB },
        { name: 'c', rss: 4 * GiB, growth: 50 * MiB },
        { name: 'd', rss: 9 * GiB, growth: -5 * MiB },
      ],
    });
    expect(biggestGrower(snap, critical)?.name).toBe('c');
  });

  it('with nobody growing, the largest app', () => {
    const snap = makeSnapshot({ apps: [{ name: 'a', rss: GiB, growth: 0 }, { name: 'b', rss: 3 * GiB, growth: 0 }] });
    expect(biggestGrower(snap, critical)?.name).toBe('b');
  });

  it('never suggests a session-critical app, by app name or by a process comm inside it', () => {
    const snap = makeSnapshot({
      apps: [
        { name: 'gnome-shell', rss: 2 * GiB, growth: 900 * MiB },
        { name: 'session-2.scope', comm: 'Xorg', rss: 2 * GiB, growth: 800 * MiB },
        { name: 'chrome', rss: GiB, growth: 1 * MiB },
      ],
    });
    expect(biggestGrower(snap, critical)?.name).toBe('chrome');
    expect(biggestGrower(makeSnapshot({ apps: [{ name: 'Xorg', rss: GiB, growth: MiB }] }), critical)).toBeNull();
  });
});

describe('formatBytes', () => {
  it('reads like free -h', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(120 * MiB)).toBe('120 MiB');
    expect(formatBytes(3.2 * GiB)).toBe('3.2 GiB');
    expect(formatRate(-2 * MiB)).toBe('-2.0 MiB/s');
  });
});
