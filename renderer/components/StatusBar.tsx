/**
 * The status bar: which kernel features are present, what sampling costs, how other users'
 * processes can be reaped, the link to main, and any warnings.
 */
import { memo } from 'react';
import type { GuardState } from '../../contract/guard';
import type { Status } from '../../contract/status';
import { guardModeInWords } from '../format/guard-words';
import { privilegeInWords } from '../format/privilege';
import { formatMs } from '../format/units';
import { RecorderStatus } from './RecorderStatus';
import type { ConnectionState } from '../transport/connection';
import { UNAUTHORIZED_WORDS } from '../transport/ws-client';

export interface StatusBarProps {
  status: Status | null;
  connection: ConnectionState;
  settingsWarning: string | null;
  /** A failure loading the initial data, in plain words. */
  loadError: string | null;
  /** The pressure guard's state (its mode is shown); absent or null before main reports one. */
  guard?: GuardState | null;
}

function Feature({ name, present, detail }: { name: string; present: boolean; detail?: string }) {
  return (
    <span className={present ? 'hr-feature hr-ok' : 'hr-feature hr-missing'}>
      {`${name} ${present ? (detail ?? 'present') : 'missing'}`}
    </span>
  );
}

const CONNECTION_WORDS: Record<ConnectionState, string> = {
  connecting: 'Connecting\u2026',
  open: 'Connected',
  reconnecting: 'Disconnected \u2014 reconnecting\u2026',
  unauthorized: UNAUTHORIZED_WORDS,
};

/** The bottom bar. */
export const StatusBar = memo(function StatusBar({ status, connection, settingsWarning, loadError, guard = null }: StatusBarProps) {
  const warnings = [...(status?.warnings ?? []), ...(settingsWarning ? [settingsWarning] : []), ...(loadError ? [loadError] : [])];
  return (
    <footer className="hr-statusbar" aria-label="Status">
      <span className={`hr-connection hr-connection-${connection}`}>{CONNECTION_WORDS[connection]}</span>
      {status ? (
        <>
          <Feature name="PSI" present={status.features.psi} />
          <Feature name="process_mrelease" present={status.features.processMrelease} />
          <Feature name="cgroup v2" present={status.features.cgroupV2Mount !== null} />
          <span className="hr-sample-cost">
            {status.paused ? 'Sampling paused' : `Sampling ${status.sampleMs === null ? '\u2014' : formatMs(status.sampleMs)} per tick`}
          </span>
          <span className="hr-privilege">{`Privilege: ${privilegeInWords(status.privilege)}`}</span>
          <RecorderStatus recorder={status.recorder} killers={status.killers} />
          <span className={`hr-guard-mode hr-guard-mode-${guard?.mode ?? 'unknown'}`} title={guard?.modeNote || undefined}>
            {guardModeInWords(guard)}
          </span>
        </>
      ) : null}
      {warnings.map((w) => (
        <span key={w} className="hr-warning" role="note">
          {w}
        </span>
      ))}
    </footer>
  );
});
