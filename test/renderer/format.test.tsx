/** The pure wording modules: every reap result state, privilege words, units, settings errors. */
import { describe, expect, it } from 'vitest';
import { SettingsPatchSchema } from '../../contract/settings';
import { passwordNotice, privilegeInWords } from '../../renderer/format/privilege';
import { CallUnanswered } from '../../contract/api';
import { describeCallFailure, describeReapResults, describeSomeResults, reapErrorInWords } from '../../renderer/format/reap-result';
import { settingsIssueInWords, settingsServerErrorInWords } from '../../renderer/format/settings-errors';
import { formatBytes, formatGrowth, formatMs, formatPct, markerLabel, recoveryText } from '../../renderer/format/units';
import { GiB, makeResult, MiB, OWN_UID } from './factory';

describe('reap result wording', () => {
  it('reports freed memory, time and process_mrelease', () => {
    const o = describeReapResults([makeResult()]);
    expect(o).toEqual({ tone: 'success', text: 'Freed 2.1 GiB in 84 ms (process_mrelease)', notes: [] });
  });

  it('sums an app’s processes and takes the slowest time until the memory was back', () => {
    const o = describeReapResults([
      makeResult({ pid: 10, freedBytes: 1 * GiB, mreleaseMs: 40, memoryBackMs: 41 }),
      makeResult({ pid: 11, freedBytes: 512 * MiB, mreleaseMs: 118, memoryBackMs: 120 }),
      makeResult({ pid: 12, freedBytes: 512 * MiB, mreleaseMs: 0.1, goneMs: 60, memoryBackMs: 60 }),
    ]);
    expect(o.text).toBe('Freed 2.0 GiB from 3 processes in 120 ms (process_mrelease)');
    expect(o.tone).toBe('success');
  });

  it('says kill-only plainly, with the note, and uses the exit time when seen', () => {
    const note = 'process_mrelease is not available on this kernel (ENOSYS).';
    const seen = describeReapResults([makeResult({ method: 'kill-only', mreleaseMs: null, goneMs: 310, memoryBackMs: 310, note })]);
    expect(seen.text).toBe('Freed 2.1 GiB in 310 ms (killed; memory returns as it exits)');
    expect(seen.notes).toEqual([note]);
    const unseen = describeReapResults([makeResult({ method: 'kill-only', mreleaseMs: null, goneMs: null, memoryBackMs: null, note })]);
    expect(unseen.text).toBe('Killed; 2.1 GiB returns as it exits');
    expect(unseen.notes).toEqual([note]);
  });

  it('shows when the memory was back, not how long process_mrelease itself took', () => {
    // process_mrelease returned ESRCH in 0.2 ms: the process was already tearing its memory down itself.
    const o = describeReapResults([makeResult({ mreleaseMs: 0.2, goneMs: 48, memoryBackMs: 48 })]);
    expect(o.text).toBe('Freed 2.1 GiB in 48 ms (process_mrelease)');
  });

  it('says "ended" for a process that quit after SIGTERM', () => {
    const o = describeReapResults([makeResult({ method: 'term', mreleaseMs: null, goneMs: 1200, memoryBackMs: 1200, freedBytes: 300 * MiB })]);
    expect(o.text).toBe('Freed 300.0 MiB in 1.2 s (ended)');
  });

  const failures: [string, string][] = [
    ['CHANGED', 'Not reaped: the process exited or changed \u2014 refresh and try again.'],
    ['NOT_AUTHORIZED', "Not reaped: not authorized to end another user's process (the administrator password was refused, or there was no way to ask for it)."],
    ['DISMISSED', 'Not reaped: the password dialog was closed before authorizing.'],
    ['HELPER_UNAVAILABLE', "Not reaped: ending other users' processes needs Headroom's system helper, which is not installed (it comes with the deb package)."],
    ['PROTECTED', 'Not reaped: this is a protected process (PID 1, a kernel thread or a helper the kernel started, or Headroom itself) and is never ended.'],
    ['SESSION_CRITICAL', 'Not reaped: ending this process may end your session; confirm that explicitly to go ahead.'],
    ['EPERM', 'Not reaped: no permission to signal this process (EPERM). pidfd_send_signal failed: EPERM'],
    ['BAD_REQUEST', 'Not reaped: the request was refused \u2014 pidfd_send_signal failed: EPERM'],
    ['INTERNAL', 'Not reaped: something went wrong \u2014 pidfd_send_signal failed: EPERM'],
  ];
  it.each(failures)('explains %s in plain words', (code, text) => {
    const result = makeResult({
      ok: false,
      method: null,
      freedBytes: 0,
      mreleaseMs: null,
      goneMs: null,
      memoryBackMs: null,
      time: 0,
      error: { code: code as never, message: 'pidfd_send_signal failed: EPERM' },
    });
    expect(describeReapResults([result])).toEqual({ tone: 'failure', text, notes: [] });
  });

  it('reports a partial reap with what failed', () => {
    const o = describeReapResults([
      makeResult({ pid: 10, freedBytes: 1 * GiB }),
      makeResult({ pid: 11, ok: false, method: null, freedBytes: 0, mreleaseMs: null, goneMs: null, memoryBackMs: null, error: { code: 'CHANGED', message: 'gone' } }),
    ]);
    expect(o.tone).toBe('partial');
    expect(o.text).toBe('Freed 1.0 GiB in 84 ms (process_mrelease)');
    expect(o.notes).toEqual(['1 not reaped: Not reaped: the process exited or changed \u2014 refresh and try again.']);
  });

  it('counts several failures and handles an empty answer', () => {
    const fail = makeResult({ ok: false, method: null, freedBytes: 0, error: { code: 'EPERM', message: 'EPERM' } });
    expect(describeReapResults([fail, { ...fail, pid: 99 }]).notes).toEqual(['2 processes were not reaped.']);
    expect(describeReapResults([]).text).toBe('Not reaped: nothing was sent.');
  });

  it('reports a failed call with its message', () => {
    expect(describeCallFailure(new Error('Lost the connection to Headroom before it answered.')).text).toBe(
      'Not reaped: Lost the connection to Headroom before it answered.',
    );
    expect(reapErrorInWords('CHANGED', '')).toContain('refresh');
  });

  it('never says "Not reaped" for a reap that was sent and lost its answer: it may have happened', () => {
    const lost = new CallUnanswered('Lost the connection to Headroom before it answered.');
    expect(describeCallFailure(lost)).toEqual({
      tone: 'partial',
      text: 'Reap outcome unknown. The connection to Headroom dropped after the request was sent, so it may have been carried out: the table shows what is still running.',
      notes: [],
    });
    // An app in several requests: what came back, and the rest named.
    const ok = makeResult();
    expect(describeSomeResults([ok], lost, 512).notes.at(-1)).toBe(
      'The other 512: outcome unknown. The connection to Headroom dropped after the request was sent, so it may have been carried out: the table shows what is still running.',
    );
    expect(describeSomeResults([ok], lost, 512).tone).toBe('partial');
    expect(describeSomeResults([ok], new Error('Disconnected from Headroom \u2014 reconnecting.'), 3).notes.at(-1)).toBe('The other 3: not reaped (Disconnected from Headroom \u2014 reconnecting.).');
  });
});

describe('privilege wording', () => {
  it('names every mode for the status bar', () => {
    expect(privilegeInWords('root')).toBe('root');
    expect(privilegeInWords('helper-ready')).toBe('helper ready');
    expect(privilegeInWords('helper-installed')).toBe('own processes only \u2014 password asked for others');
    expect(privilegeInWords('helper-missing')).toBe('own processes only \u2014 system helper not installed');
  });

  it('asks for a password only for other users’ processes', () => {
    expect(passwordNotice('helper-installed', OWN_UID, [OWN_UID]).text).toBe('Your own processes: no password needed.');
    expect(passwordNotice('helper-installed', OWN_UID, [OWN_UID, 0])).toEqual({ text: 'An administrator password will be asked (polkit then keeps it for 5 minutes).', blocked: false });
    expect(passwordNotice('helper-ready', OWN_UID, [0]).text).toBe('Uses the administrator access you already gave (the helper is running; it leaves after 5 minutes unused).');
    expect(passwordNotice('root', 0, [OWN_UID]).blocked).toBe(false);
    expect(passwordNotice('helper-missing', OWN_UID, [0]).blocked).toBe(true);
    expect(passwordNotice('helper-missing', OWN_UID, [OWN_UID]).blocked).toBe(false);
  });
});

describe('units', () => {
  it('formats bytes, growth, durations and percentages', () => {
    expect(formatBytes(Math.round(2.1 * GiB))).toBe('2.1 GiB');
    expect(formatBytes(300 * MiB)).toBe('300.0 MiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(12)).toBe('12 B');
    expect(formatGrowth(85 * MiB)).toBe('+85.0 MiB/s');
    expect(formatGrowth(-0.4 * MiB)).toBe('\u22120.4 MiB/s');
    expect(formatGrowth(1000)).toBe('0 MiB/s');
    expect(formatMs(0.42)).toBe('0.4 ms');
    expect(formatMs(84.4)).toBe('84 ms');
    expect(formatMs(1234)).toBe('1.2 s');
    expect(formatPct(12.345)).toBe('12.3%');
    expect(markerLabel('firefox', Math.round(1.2 * GiB))).toBe('firefox \u22121.2 GiB');
    expect(recoveryText(null)).toBe('measuring\u2026');
    expect(recoveryText(420)).toBe('Recovered in 420 ms');
    expect(recoveryText(38)).toBe('Recovered in 38 ms');
    expect(recoveryText(1500)).toBe('Recovered in 1.5 s');
  });
});

describe('settings errors', () => {
  it('names the field instead of the schema key', () => {
    const parsed = SettingsPatchSchema.safeParse({ intervalMs: 10 });
    expect(parsed.success).toBe(false);
    expect(settingsIssueInWords(parsed.error!.issues[0]!)).toMatch(/^Sampling interval: too small/);
    expect(settingsServerErrorInWords('Bad parameters for setSettings at historyMinutes: Too big: expected number to be <=60.')).toBe(
      'Settings not saved \u2014 History: Too big: expected number to be <=60.',
    );
    expect(settingsServerErrorInWords('Disk full (ENOSPC).')).toBe('Settings not saved: Disk full (ENOSPC).');
  });
});
