/**
 * An error while drawing the window shows what happened and a way back, never a blank window; once
 * the cause is gone, "Try again" draws the window again.
 */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from '../../renderer/components/ErrorBoundary';

let broken = true;
function Table() {
  if (broken) throw new TypeError("Cannot read properties of null (reading 'toFixed')\u001b[2J");
  return <p>the table</p>;
}

afterEach(() => vi.restoreAllMocks());

describe('ErrorBoundary', () => {
  it('shows the error in plain words with its control characters as codes, and draws the window again on Try again', async () => {
    // React reports the caught error on the console: expected here.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    broken = true;
    render(
      <ErrorBoundary>
        <Table />
      </ErrorBoundary>,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Headroom could not draw this window');
    expect(alert.textContent).toContain("Cannot read properties of null (reading 'toFixed')\u27e8U+001B\u27e9[2J");
    expect(alert.textContent).toContain('Sampling, the guard and reaping go on without it.');
    broken = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('the table')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
