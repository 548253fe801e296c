/**
 * The window's last line of defence: an error thrown while drawing (a value the window did not
 * expect) shows what happened and a way back instead of a blank window. Sampling, the guard and
 * reaping run in the main process (or `serve`) and go on either way; "Try again" draws the window
 * again from the current state, "Reload" starts the page afresh.
 */
import { Component, type ReactNode } from 'react';
import { visibleControls } from '../../contract/display-name';

interface State {
  error: Error | null;
}

/** Catches render errors below it (React error boundary). */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" className="hr-crash">
        <h1>Headroom could not draw this window</h1>
        <p className="hr-crash-message">{visibleControls(error.message).slice(0, 400)}</p>
        <p>Sampling, the guard and reaping go on without it.</p>
        <p>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>{' '}
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </p>
      </div>
    );
  }
}
