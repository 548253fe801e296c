/**
 * The status bar's part about history and the other memory killers: whether the flight recorder
 * writes (or follows another Headroom's writer, or fails to write and why), and which of
 * systemd-oomd, earlyoom and nohang are installed or running here, with their thresholds.
 */
import { memo } from 'react';
import type { Killer, RecorderStatus as Recorder } from '../../contract/recorder';
import { formatBytes } from '../format/units';

/** The recorder in a few words; null status means this host runs without one. */
export function recorderWords(r: Recorder | null): { text: string; tone: 'ok' | 'warn' | 'muted' } {
  if (r === null) return { text: 'History: in memory only (no recorder)', tone: 'muted' };
  const more = r.message ? `: ${r.message}` : '';
  switch (r.state) {
    case 'recording':
      return { text: `Recording history to ${r.path} (${formatBytes(r.bytes)})${more}`, tone: 'ok' };
    case 'follower':
      return { text: `History: another Headroom records it${more || ` (${r.path})`}`, tone: 'ok' };
    case 'failing':
      return { text: `Recorder failing${more || ': cannot write'} \u2014 sampling goes on`, tone: 'warn' };
    case 'off':
      return { text: `Recorder off${more}`, tone: 'muted' };
  }
}

/** One killer: "earlyoom running (kills below 10 % available)", "systemd-oomd installed, not running". */
export function killerWords(k: Killer): string {
  return `${k.name} ${k.running ? 'running' : 'installed, not running'}${k.thresholds ? ` (${k.thresholds})` : ''}`;
}

/** Spans for the status bar. */
export const RecorderStatus = memo(function RecorderStatus({ recorder, killers }: { recorder: Recorder | null; killers: readonly Killer[] }) {
  const r = recorderWords(recorder);
  return (
    <>
      <span className={`hr-recorder hr-recorder-${r.tone}`} role={r.tone === 'warn' ? 'alert' : undefined} data-testid="recorder-status">
        {r.text}
      </span>
      <span className="hr-killers" data-testid="killers">
        {killers.length === 0 ? 'Other memory killers: none found' : `Other memory killers: ${killers.map(killerWords).join('; ')}`}
      </span>
    </>
  );
});
