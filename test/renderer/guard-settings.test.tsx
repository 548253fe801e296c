/**
 * The Guard section of the settings dialog: auto-reap off by default with its explanation, the
 * levels and lists saved in one patch, and every bad input refused in plain words before anything
 * is sent (and the server's refusals named by the field people see).
 */
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../contract/api';
import { SettingsPatchSchema, type Settings, type SettingsPatch } from '../../contract/settings';
import { SettingsPanel } from '../../renderer/components/SettingsPanel';
import { settingsIssueInWords, settingsServerErrorInWords } from '../../renderer/format/settings-errors';
import { guardDraftOf, guardPatchOf, listEntryProblem } from '../../renderer/state/guard-draft';
import { makeSettingsState } from './factory';

afterEach(cleanup);

function setup(overrides: Partial<Settings> = {}, reject?: string) {
  const settings = makeSettingsState(overrides).settings;
  const saved: SettingsPatch[] = [];
  let closed = 0;
  render(
    <SettingsPanel
      settings={settings}
      onSave={(patch) => {
        if (reject) return Promise.reject(new ApiError('BAD_REQUEST', reject));
        saved.push(patch);
        return Promise.resolve();
      }}
      onClose={() => closed++}
    />,
  );
  const dialog = screen.getByRole('dialog', { name: 'Settings' });
  const guard = within(dialog).getByRole('group', { name: 'Pressure guard' });
  return { user: userEvent.setup(), dialog, guard, saved, closed: () => closed };
}

async function replace(user: ReturnType<typeof userEvent.setup>, field: HTMLElement, text: string) {
  await user.clear(field);
  if (text !== '') await user.type(field, text);
}

describe('the Guard settings', () => {
  it('shows auto-reap off by default with a plain explanation, and the defaults', () => {
    const { guard } = setup();
    const toggle = within(guard).getByRole('checkbox', { name: 'Reap the culprit automatically (auto-reap)' });
    expect((toggle as HTMLInputElement).checked).toBe(false);
    expect(toggle.getAttribute('aria-describedby')).toBeTruthy();
    const explanation = document.getElementById(toggle.getAttribute('aria-describedby')!)!.textContent!;
    expect(explanation).toMatch(/^Off by default\./);
    expect(explanation).toContain('it would have reaped');
    expect((within(guard).getByLabelText('Warn level (% some)') as HTMLInputElement).value).toBe('10');
    expect((within(guard).getByLabelText('Act level (% full)') as HTMLInputElement).value).toBe('20');
    expect((within(guard).getByLabelText('Sustain (s)') as HTMLInputElement).value).toBe('2');
    expect((within(guard).getByLabelText('Cooldown (s)') as HTMLInputElement).value).toBe('30');
    // The old "notify after" hold is gone: the guard's sustain decides.
    expect(screen.queryByLabelText(/Notify after/)).toBeNull();
  });

  it('saves auto-reap, levels and the lists (one per line) in one patch', async () => {
    const { user, dialog, guard, saved, closed } = setup();
    await user.click(within(guard).getByRole('checkbox', { name: /auto-reap/ }));
    await replace(user, within(guard).getByLabelText('Warn level (% some)'), '5');
    await replace(user, within(guard).getByLabelText('Act level (% full)'), '12.5');
    await replace(user, within(guard).getByLabelText('Sustain (s)'), '4');
    await replace(user, within(guard).getByLabelText('Cooldown (s)'), '60');
    await user.type(within(guard).getByLabelText(/^Never auto-reap/), 'postgres{Enter}{Enter}  app-firefox-*.scope {Enter}postgres');
    await user.type(within(guard).getByLabelText(/^Reap first/), 'hrdrill');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(closed()).toBe(1));
    expect(saved).toEqual([
      {
        autoReap: true,
        guardWarnSomePct: 5,
        guardActFullPct: 12.5,
        guardSustainSeconds: 4,
        guardCooldownSeconds: 60,
        autoReapAvoid: ['postgres', 'app-firefox-*.scope'],
        autoReapPrefer: ['hrdrill'],
      },
    ]);
  });

  it('refuses bad input in plain words and sends nothing', async () => {
    const { user, dialog, guard, saved } = setup();
    const save = () => user.click(within(dialog).getByRole('button', { name: 'Save' }));
    const error = () => within(dialog).getByRole('alert').textContent;
    const warn = within(guard).getByLabelText('Warn level (% some)');
    const sustain = within(guard).getByLabelText('Sustain (s)');
    const avoid = within(guard).getByLabelText(/^Never auto-reap/);
    const prefer = within(guard).getByLabelText(/^Reap first/);

    await replace(user, warn, '');
    await save();
    expect(error()).toBe('Warn level: enter a number.');
    await replace(user, warn, '0');
    await save();
    expect(error()).toBe('Warn level: too small: expected number to be >=1.');
    await replace(user, warn, '101');
    await save();
    expect(error()).toBe('Warn level: too big: expected number to be <=100.');
    await replace(user, warn, '10');
    await replace(user, sustain, '1.5');
    await save();
    expect(error()).toBe('Sustain: enter a whole number.');
    await replace(user, sustain, '2');
    await replace(user, avoid, 'postgres{Enter}*');
    await save();
    expect(error()).toBe('Never auto-reap, line 2: "*" matches every app; to stop auto-reap altogether, turn it off instead.');
    await replace(user, avoid, '');
    await replace(user, prefer, 'chromium{Enter}{Enter}?*');
    await save();
    expect(error()).toBe('Reap first, line 3: "?*" matches every app, so it would prefer nothing in particular.');
    expect(saved).toEqual([]);
  });

  it('names the field in a server refusal', async () => {
    const { user, dialog, guard } = setup({}, 'Bad parameters for setSettings at guardCooldownSeconds: Too big: expected number to be <=3600.');
    await replace(user, within(guard).getByLabelText('Cooldown (s)'), '90');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toBe('Settings not saved \u2014 Cooldown: Too big: expected number to be <=3600.');
  });
});

describe('guard draft and errors (pure)', () => {
  it('round-trips the settings and sends only what changed', () => {
    const settings = makeSettingsState({ autoReapAvoid: ['a', 'b'] }).settings;
    expect(guardPatchOf(guardDraftOf(settings), settings)).toEqual({ patch: {} });
  });

  it('refuses control characters and match-everything globs; other characters are literal for the guard', () => {
    expect(listEntryProblem('fire\u0007fox', 'autoReapAvoid')).toMatch(/control character/);
    expect(listEntryProblem('**', 'autoReapPrefer')).toBe('"**" matches every app, so it would prefer nothing in particular');
    expect(listEntryProblem('app-[ab]*.scope', 'autoReapPrefer')).toBeNull();
    expect(listEntryProblem('/user.slice/*', 'autoReapAvoid')).toBeNull();
    expect(listEntryProblem('?', 'autoReapAvoid')).toBeNull();
  });

  it('says which line of a list the schema refused, and that it is too long', () => {
    const parsed = SettingsPatchSchema.safeParse({ autoReapAvoid: ['ok', 'x'.repeat(300)] });
    expect(settingsIssueInWords(parsed.error!.issues[0]!)).toBe('Never auto-reap, line 2: too long (at most 256 characters).');
    expect(settingsServerErrorInWords('Bad parameters for setSettings at autoReapPrefer.3: Too big')).toBe('Settings not saved \u2014 Reap first: Too big.');
  });
});
