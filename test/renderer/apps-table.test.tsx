/** The apps/processes table under jsdom: rows, sorting, filtering, expanding, keyboard, virtualisation. */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReapMode } from '../../contract/reap';
import { AppsTable } from '../../renderer/components/AppsTable';
import type { TableRow } from '../../renderer/state/rows';
import { makeSnapshot, manyApps, typicalApps } from './factory';

afterEach(cleanup);

/** The data rows (the header row has column headers, not cells). */
function dataRows(): HTMLElement[] {
  return screen.getAllByRole('row').filter((r) => within(r).queryAllByRole('gridcell').length > 0);
}

function names(): string[] {
  return dataRows().map((r) => r.querySelector('.hr-name-text')!.textContent!);
}

function setup(snapshot = makeSnapshot(typicalApps())) {
  const reaps: { row: TableRow; mode: ReapMode }[] = [];
  const utils = render(<AppsTable snapshot={snapshot} onReap={(row, mode) => reaps.push({ row, mode })} />);
  return { ...utils, reaps, user: userEvent.setup() };
}

describe('AppsTable', () => {
  it('offers no Reap or End for PID 1', () => {
    setup(makeSnapshot([...typicalApps(), { name: 'systemd', processes: [{ pid: 1, comm: 'systemd', cmdline: '/sbin/init', uid: 0, rssMiB: 12 }] }]));
    const init = screen.getByRole('row', { name: /systemd/ });
    expect((within(init).getByRole('button', { name: /^Reap systemd/ }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(init).getByRole('button', { name: /^End systemd/ }) as HTMLButtonElement).disabled).toBe(true);
    const leaky = screen.getByRole('row', { name: /leaky/ });
    expect((within(leaky).getByRole('button', { name: /^Reap leaky/ }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a name\'s controls as codes, isolated: a right-to-left override cannot make a process look like another', () => {
    setup(makeSnapshot([...typicalApps(), { name: '\u202exoferif', processes: [{ pid: 4321, comm: '\u202exoferif', cmdline: 'x\u202eyz', uid: 1000, rssMiB: 9000 }] }]));
    const cell = dataRows()[0]!.querySelector('.hr-name-text')!;
    expect(cell.tagName).toBe('BDI');
    expect(cell.textContent).toBe('\u27e8U+202E\u27e9xoferif');
    expect(dataRows()[0]!.querySelector('[role="gridcell"]')!.getAttribute('title')).not.toMatch(/\u202e/);
    expect(within(dataRows()[0]!).getByRole('button', { name: /^Reap/ }).getAttribute('aria-label')).toBe('Reap \u27e8U+202E\u27e9xoferif');
  });

  it('shows one row per app, largest first, with name, PIDs, user and memory', () => {
    setup();
    expect(names()).toEqual(['leaky', 'firefox', 'code', 'postgres', 'Xorg']);
    const firefox = screen.getByRole('row', { name: /firefox/ });
    expect(firefox.textContent).toContain('2001, 2002 +1');
    expect(firefox.textContent).toContain('1.9 GiB');
    expect(firefox.textContent).toContain('7.5%');
    const leaky = screen.getByRole('row', { name: /leaky/ });
    expect(leaky.textContent).toContain('4242');
    expect(leaky.textContent).toContain('+85.0 MiB/s');
    expect(within(leaky).getByRole('button', { name: /^Reap leaky/ })).toBeTruthy();
    expect(within(leaky).getByRole('button', { name: /^End leaky/ })).toBeTruthy();
  });

  it('sorts by a column header and says so with aria-sort', async () => {
    const { user } = setup();
    const nameHeader = screen.getByRole('columnheader', { name: /Name/ });
    expect(nameHeader.getAttribute('aria-sort')).toBe('none');
    expect(screen.getByRole('columnheader', { name: /RSS/ }).getAttribute('aria-sort')).toBe('descending');
    await user.click(within(nameHeader).getByRole('button'));
    expect(nameHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(names()).toEqual(['code', 'firefox', 'leaky', 'postgres', 'Xorg']);
    await user.click(within(nameHeader).getByRole('button'));
    expect(nameHeader.getAttribute('aria-sort')).toBe('descending');
    expect(names()).toEqual(['Xorg', 'postgres', 'leaky', 'firefox', 'code']);
    await user.click(within(screen.getByRole('columnheader', { name: /PID/ })).getByRole('button'));
    expect(names()).toEqual(['postgres', 'Xorg', 'firefox', 'code', 'leaky']);
    await user.click(within(screen.getByRole('columnheader', { name: /Growth/ })).getByRole('button'));
    expect(names()[0]).toBe('leaky');
  });

  it('expands an app to its processes, sorted like the table', async () => {
    const { user } = setup();
    await user.click(screen.getByRole('button', { name: 'Expand firefox' }));
    expect(names()).toEqual(['leaky', 'firefox', 'firefox', 'Web Content', 'Isolated Web Co', 'code', 'postgres', 'Xorg']);
    const content = screen.getByRole('row', { name: /Web Content/ });
    expect(content.textContent).toContain('2002');
    expect(content.getAttribute('aria-level')).toBe('2');
    expect(within(content).getByRole('button', { name: 'Reap Web Content (PID 2002)' })).toBeTruthy();
    expect(screen.getByRole('row', { name: /firefox.*2001, 2002 \+1/ }).getAttribute('aria-expanded')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Collapse firefox' }));
    expect(names()).toHaveLength(5);
  });

  it('filters by name, by command line and by PID', async () => {
    const { user } = setup();
    const filter = screen.getByLabelText('Filter');
    await user.type(filter, 'post');
    expect(names()).toEqual(['postgres']);
    await user.clear(filter);
    // Command line of one firefox child only: the app opens to show just that process.
    await user.type(filter, 'isForBrowser');
    expect(names()).toEqual(['firefox', 'Isolated Web Co']);
    await user.clear(filter);
    await user.type(filter, '4242');
    expect(names()).toEqual(['leaky', 'leaky']);
    expect(dataRows()[1]!.getAttribute('aria-level')).toBe('2');
    expect(within(dataRows()[1]!).getByRole('button', { name: 'Reap leaky (PID 4242)' })).toBeTruthy();
    await user.clear(filter);
    await user.type(filter, 'no-such-thing');
    expect(dataRows()).toHaveLength(0);
    expect(screen.getByText('No app or process matches \u201Cno-such-thing\u201D.')).toBeTruthy();
  });

  it('moves the selection with the arrow keys, expands with Enter and opens Reap with Delete or R', async () => {
    const { user, reaps } = setup();
    const grid = screen.getByRole('treegrid');
    grid.focus();
    await user.keyboard('{ArrowDown}');
    const selected = () => grid.querySelector('[aria-selected="true"] .hr-name-text')?.textContent;
    expect(selected()).toBe('leaky');
    expect(grid.getAttribute('aria-activedescendant')).toBe(screen.getByRole('row', { name: /leaky/ }).id);
    await user.keyboard('{ArrowDown}');
    expect(selected()).toBe('firefox');
    await user.keyboard('{Enter}');
    expect(names()).toContain('Web Content');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(selected()).toBe('Web Content');
    await user.keyboard('{Delete}');
    expect(reaps).toHaveLength(1);
    expect(reaps[0]!.mode).toBe('kill');
    expect(reaps[0]!.row.kind === 'process' && reaps[0]!.row.process.pid).toBe(2002);
    await user.keyboard('{ArrowUp}{ArrowUp}{Enter}');
    expect(names()).not.toContain('Web Content');
    await user.keyboard('{ArrowUp}r');
    expect(reaps).toHaveLength(2);
    expect(reaps[1]!.row.kind === 'app' && reaps[1]!.row.app.name).toBe('leaky');
  });

  it('opens Reap and End from the row buttons', async () => {
    const { user, reaps } = setup();
    await user.click(screen.getByRole('button', { name: /^Reap code/ }));
    await user.click(screen.getByRole('button', { name: /^End postgres/ }));
    expect(reaps.map((r) => [r.row.kind === 'app' ? r.row.app.name : '', r.mode])).toEqual([
      ['code', 'kill'],
      ['postgres', 'end'],
    ]);
  });

  it('renders a bounded number of rows for 3,000 processes, and the right ones after scrolling', async () => {
    setup(makeSnapshot(manyApps(3000)));
    const first = dataRows();
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(60);
    expect(screen.getByRole('treegrid').getAttribute('aria-rowcount')).toBe('3001');
    // Largest first: worker-996 has 997 MiB, the biggest (i % 997 = 996).
    expect(names()[0]).toBe('worker-996');
    const viewport = document.querySelector('.hr-viewport') as HTMLElement;
    viewport.scrollTop = 30 * 1500;
    fireEvent.scroll(viewport);
    const after = dataRows();
    expect(after.length).toBeLessThan(60);
    const indices = after.map((r) => Number(r.getAttribute('aria-rowindex')));
    expect(Math.min(...indices)).toBeGreaterThan(1400);
    expect(Math.max(...indices)).toBeLessThan(1600);
  });

  it('keeps the keyboard selection in view in a long list', async () => {
    const { user } = setup(makeSnapshot(manyApps(500)));
    const grid = screen.getByRole('treegrid');
    grid.focus();
    await user.keyboard('{End}');
    const lastRow = grid.querySelector('[aria-selected="true"]') as HTMLElement;
    expect(lastRow).not.toBeNull();
    expect(lastRow.getAttribute('aria-rowindex')).toBe('501');
    await user.keyboard('{Home}');
    expect(grid.querySelector('[aria-selected="true"]')!.getAttribute('aria-rowindex')).toBe('2');
  });
});
