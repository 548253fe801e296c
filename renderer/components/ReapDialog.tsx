/**
 * The reap/end confirmation: names what will be ended (app or process, PIDs, users, memory), says
 * whether an administrator password will be asked, and for session-critical processes requires an
 * explicit checkbox before the confirm button ("Reap" or "End") enables; the request then carries
 * force: true.
 */
import { useId, useRef, useState } from 'react';
import { visibleControls } from '../../contract/display-name';
import type { ReapRequestInput } from '../../contract/reap';
import type { Settings } from '../../contract/settings';
import type { Status } from '../../contract/status';
import { passwordNotice } from '../format/privilege';
import { formatBytes, formatMs } from '../format/units';
import { reapRequestsFor, sessionCriticalOf, type ReapSubject } from '../state/reap-subject';
import { useModal } from './useModal';

export interface ReapDialogProps {
  subject: ReapSubject;
  status: Status | null;
  settings: Settings | null;
  onCancel(): void;
  /** The requests to send (one per 512 targets). */
  onConfirm(requests: ReapRequestInput[]): void;
}

const MAX_PIDS_SHOWN = 12;

/** The confirmation dialog for one reap or end. */
export function ReapDialog({ subject, status, settings, onCancel, onConfirm }: ReapDialogProps) {
  const titleId = useId();
  const descId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const onKeyDown = useModal(dialogRef, cancelRef, onCancel);
  const [understood, setUnderstood] = useState(false);

  const verb = subject.mode === 'kill' ? 'Reap' : 'End';
  const processes = subject.processes;
  const pids = processes.map((p) => p.pid);
  const users = [...new Set(processes.map((p) => p.user))];
  const rss = processes.reduce((s, p) => s + p.rssBytes, 0);
  const anon = processes.reduce((s, p) => s + p.anonBytes, 0);
  const swap = processes.reduce((s, p) => s + p.swapBytes, 0);
  const critical = sessionCriticalOf(subject, settings?.sessionCritical ?? [], status);
  const notice = status ? passwordNotice(status.privilege, status.uid, processes.map((p) => p.uid)) : null;
  const blocked = notice?.blocked ?? false;
  // An app whose processes all vanished from view has nothing left to target.
  const canConfirm = processes.length > 0 && !blocked && (critical.length === 0 || understood);
  const graceMs = settings?.endGraceMs ?? 5000;
  // The name in a <bdi>, its control characters shown: a name cannot reorder the words around it.
  const name = <bdi>{visibleControls(subject.name)}</bdi>;

  return (
    <div className="hr-backdrop">
      <div
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={descId}
        className="hr-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>
          {`${verb} ${subject.kind === 'app' ? 'the app' : 'the process'} `}
          {name}?
        </h2>
        <p id={descId}>
          {subject.mode === 'kill'
            ? 'Sends SIGKILL and frees its memory at once with process_mrelease. Unsaved work in it is lost.'
            : `Asks it to quit (SIGTERM); if it is still running after ${formatMs(graceMs)}, it is reaped.`}
        </p>
        <dl className="hr-facts">
          <dt>{subject.kind === 'app' ? 'App' : 'Process'}</dt>
          <dd>{name}</dd>
          <dt>{pids.length === 1 ? 'PID' : `PIDs (${pids.length})`}</dt>
          <dd>
            {pids.slice(0, MAX_PIDS_SHOWN).join(', ')}
            {pids.length > MAX_PIDS_SHOWN ? ` and ${pids.length - MAX_PIDS_SHOWN} more` : ''}
          </dd>
          <dt>{users.length === 1 ? 'User' : 'Users'}</dt>
          <dd>{users.join(', ')}</dd>
          <dt>Memory</dt>
          <dd>{`${formatBytes(rss)} resident (${formatBytes(anon)} anonymous)${swap > 0 ? `, ${formatBytes(swap)} swap` : ''}`}</dd>
        </dl>
        {notice ? <p className={blocked ? 'hr-notice hr-notice-blocked' : 'hr-notice'}>{notice.text}</p> : null}
        {critical.length > 0 ? (
          <div className="hr-critical">
            <p>
              {`${[...new Set(critical.map((p) => p.comm))].join(', ')} ${critical.length === 1 ? 'is' : 'are'} session-critical: ending ${critical.length === 1 ? 'it' : 'them'} may log you out or freeze the desktop.`}
            </p>
            <label>
              <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
              I understand this may end my session
            </label>
          </div>
        ) : null}
        <div className="hr-dialog-buttons">
          <button ref={cancelRef} type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="hr-danger"
            disabled={!canConfirm}
            onClick={() => onConfirm(reapRequestsFor(subject, critical.length > 0 && understood))}
          >
            {verb}
          </button>
        </div>
      </div>
    </div>
  );
}
