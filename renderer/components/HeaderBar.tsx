/**
 * The window's title bar: the name, the current memory in one line, and the pause and settings
 * buttons. Memoised on the line's text: a tick re-renders the window, and the header only when
 * what it says changed.
 */
import { memo } from 'react';

export interface HeaderBarProps {
  /** "12.3 GiB available of 24.0 GiB · pressure …", or '' before the first sample. */
  summary: string;
  /** The sampler's state; null before the status arrived (the pause button is then disabled). */
  paused: boolean | null;
  onTogglePause(): void;
  /** False until the settings arrived. */
  canOpenSettings: boolean;
  onOpenSettings(): void;
}

/** The header bar. */
export const HeaderBar = memo(function HeaderBar({ summary, paused, onTogglePause, canOpenSettings, onOpenSettings }: HeaderBarProps) {
  return (
    <header className="hr-header-bar">
      <h1>Headroom</h1>
      <p className="hr-summary" aria-label="Current memory">
        {summary}
      </p>
      <div className="hr-header-actions">
        <button type="button" onClick={onTogglePause} disabled={paused === null} aria-pressed={paused ?? false}>
          {paused ? 'Resume sampling' : 'Pause sampling'}
        </button>
        <button type="button" onClick={onOpenSettings} disabled={!canOpenSettings}>
          Settings
        </button>
      </div>
    </header>
  );
});
