/** The reap confirmation: what it names, the password notice per privilege mode, forced reaps, Escape, focus. */
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReapRequestInput } from '../../contract/reap';
import type { PrivilegeMode } from '../../contract/status';
import { ReapDialog } from '../../renderer/components/ReapDialog';
import { appSubject, processSubject, type ReapSubject } from '../../renderer/state/reap-subject';
import { makeSettingsState, makeSnapshot, makeStatus, typicalApps } from './factory';

afterEach(cleanup);

const snapshot = makeSnapshot(typicalApps());
const app = (name: string) => snapshot.apps.find((a) => a.name === name)!;
const processesOf = (name: string) => snapshot.processes.filter((p) => p.appId === app(name).id);
const proc = (pid: number) => snapshot.processes.find((p) => p.pid === pid)!;

function open(subject: ReapSubject, privilege: PrivilegeMode = 'helper-installed', sessionCritical?: string[]) {
  const confirmed: ReapRequestInput[][] = [];
  let cancelled = 0;
  const settings = makeSettingsState().settings;
  render(
    <ReapDialog
      subject={subject}
      status={makeStatus(privilege)}
      settings={sessionCritical === undefined ? settings : { ...settings, sessionCritical }}
      onCancel={() => cancelled++}
      onConfirm={(r) => confirmed.push(r)}
    />,
  );
  return { confirmed, cancelled: () => cancelled, user: userEvent.setup(), dialog: screen.getByRole('dialog') };
}

describe('ReapDialog', () => {
  it('names the app, its PIDs, user and memory, and sends every process as a target', async () => {
    const { dialog, user, confirmed } = open(appSubject(app('firefox'), processesOf('firefox'), 'kill'));
    expect(screen.getByRole('dialog', { name: 'Reap the app firefox?' })).toBe(dialog);
    expect(dialog.textContent).toContain('2001, 2002, 2003');
    expect(dialog.textContent).toContain('alice');
    expect(dialog.textContent).toContain('1.9 GiB resident (1.5 GiB anonymous), 20.0 MiB swap');
    expect(dialog.textContent).toContain('Your own processes: no password needed.');
    await user.click(within(dialog).getByRole('button', { name: 'Reap' }));
    expect(confirmed).toEqual([
      [
        {
          targets: [
            { pid: 2001, startTime: 3001 },
            { pid: 2002, startTime: 3002 },
            { pid: 2003, startTime: 3003 },
          ],
          mode: 'kill',
          force: false,
        },
      ],
    ]);
  });

  it('puts the initial focus on Cancel and keeps Tab inside the dialog', async () => {
    const { dialog, user } = open(processSubject(proc(4242), 'kill'));
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);
    await user.tab();
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Reap' }));
    await user.tab();
    expect(document.activeElement).toBe(cancel);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Reap' }));
  });

  it('closes on Escape and on Cancel without reaping', async () => {
    const { user, confirmed, cancelled } = open(processSubject(proc(4242), 'kill'));
    await user.keyboard('{Escape}');
    expect(cancelled()).toBe(1);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(cancelled()).toBe(2);
    expect(confirmed).toEqual([]);
  });

  it.each<[PrivilegeMode, string, boolean]>([
    ['helper-installed', 'An administrator password will be asked (polkit then keeps it for 5 minutes).', false],
    ['helper-ready', 'Uses the administrator access you already gave (the helper is running; it leaves after 5 minutes unused).', false],
    ['root', 'Headroom runs as root: no password needed.', false],
    ['helper-missing', "Reaping other users' processes needs Headroom's system helper (installed by the deb package); this process cannot be reaped from here.", true],
  ])('for another user’s process in mode %s says "%s"', (privilege, text, disabled) => {
    const { dialog } = open(processSubject(proc(777), 'kill'), privilege);
    expect(dialog.textContent).toContain(text);
    expect(dialog.textContent).toContain('postgres');
    expect((within(dialog).getByRole('button', { name: 'Reap' }) as HTMLButtonElement).disabled).toBe(disabled);
  });

  it('needs an explicit checkbox for a session-critical process, then sends force: true', async () => {
    const { dialog, user, confirmed } = open(processSubject(proc(900), 'kill'), 'root');
    expect(dialog.textContent).toContain('Xorg is session-critical');
    const reap = within(dialog).getByRole('button', { name: 'Reap' }) as HTMLButtonElement;
    expect(reap.disabled).toBe(true);
    await user.click(reap);
    expect(confirmed).toEqual([]);
    await user.click(within(dialog).getByRole('checkbox', { name: 'I understand this may end my session' }));
    expect(reap.disabled).toBe(false);
    await user.click(reap);
    expect(confirmed).toEqual([[{ targets: [{ pid: 900, startTime: 1900 }], mode: 'kill', force: true }]]);
  });

  it('asks for the checkbox exactly where main would refuse: a listed name cut to comm\'s 15 characters, and the built-in list for a process the helper reaps', async () => {
    // "Xorg-long-server-name" is cut by the kernel to "Xorg-long-serve": as comm, the person's
    // longer entry names it (main refuses it without force).
    const long = { ...proc(900), comm: 'Xorg-long-serve' };
    expect(open(processSubject(long, 'kill'), 'root', ['Xorg-long-server-name']).dialog.textContent).toContain('Xorg-long-serve is session-critical');
    cleanup();
    // Root's Xorg through the helper (Headroom runs as alice): the helper always adds the built-in
    // list, so it is refused even when the person's own list is empty...
    expect(open(processSubject(proc(900), 'kill'), 'helper-installed', []).dialog.textContent).toContain('Xorg is session-critical');
    cleanup();
    // ...while Headroom running as root reaps in-process by the person's list alone.
    expect(open(processSubject(proc(900), 'kill'), 'root', []).dialog.textContent).not.toContain('session-critical');
  });

  it('shows a name that reverses text or holds control characters inside its own isolate, its codes visible', () => {
    // A process may call itself U+202E + "xoferif": shown raw, it reads as "firefox" and turns the
    // title into "Reap the process ?firefox".
    const { dialog } = open(processSubject({ ...proc(4242), comm: '\u202exoferif\n' }, 'kill'));
    const title = within(dialog).getByRole('heading');
    const isolated = title.querySelector('bdi')!;
    expect(isolated.textContent).toBe('\u27e8U+202E\u27e9xoferif\u27e8U+000A\u27e9');
    expect(title.textContent).toBe(`Reap the process ${isolated.textContent}?`);
    expect(dialog.textContent).not.toMatch(/[\u202e\n]/);
  });

  it('names the End button "End" and explains the grace period', async () => {
    const { dialog, user, confirmed } = open(processSubject(proc(3100), 'end'));
    expect(screen.getByRole('dialog', { name: 'End the process code?' })).toBe(dialog);
    expect(dialog.textContent).toContain('SIGTERM');
    expect(dialog.textContent).toContain('5.0 s');
    expect(within(dialog).queryByRole('button', { name: 'Reap' })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'End' }));
    expect(confirmed).toEqual([[{ targets: [{ pid: 3100, startTime: 4100 }], mode: 'end', force: false }]]);
  });

  it('splits an app of more than 512 processes into several requests', async () => {
    const big = makeSnapshot([
      { name: 'make', processes: Array.from({ length: 600 }, (_, i) => ({ pid: 20_000 + i, comm: 'cc1', rssMiB: 10 })) },
    ]);
    const { user, confirmed } = open(appSubject(big.apps[0]!, big.processes, 'kill'));
    expect(screen.getByRole('dialog').textContent).toContain('and 588 more');
    await user.click(screen.getByRole('button', { name: 'Reap' }));
    expect(confirmed[0]!.map((r) => r.targets.length)).toEqual([512, 88]);
  });

  it('cannot confirm an app with no processes left to target', () => {
    const { dialog } = open(appSubject(app('code'), [], 'kill'));
    expect((within(dialog).getByRole('button', { name: 'Reap' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
