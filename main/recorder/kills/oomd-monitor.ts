/**
 * systemd-oomd announces every kill with the D-Bus signal org.freedesktop.oom1.Manager.Killed
 * (s cgroup, s reason) on the system bus. No native D-Bus module: a `gdbus monitor` child (from
 * GLib, present wherever systemd-oomd is) prints each signal as one line, which is parsed here. It is
 * started only where systemd-oomd runs; if gdbus is missing or exits, the status says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { RecordedEvent } from '../../../contract/record';

const KILLED = /org\.freedesktop\.oom1\.Manager\.Killed \('((?:[^'\\]|\\.)*)', '((?:[^'\\]|\\.)*)'\)/;

/** The marker for one line of `gdbus monitor` output, or null when the line is not a Killed signal. */
export function markerForOomdLine(line: string, time: number, availableBeforeBytes: number): RecordedEvent | null {
  const m = KILLED.exec(line);
  if (!m) return null;
  const cgroup = m[1]!;
  const reason = m[2]!;
  const leaf = cgroup.split('/').filter(Boolean).pop() ?? cgroup;
  const label = leaf.replace(/^app-(?:gnome-|flatpak-)?/, '').replace(/(@[^.]*)?(-\d+)?\.(scope|service|slice)$/, '') || leaf;
  return {
    time,
    kind: 'oomd-kill',
    label,
    detail: `systemd-oomd ended cgroup ${cgroup} (${reason || 'no reason given'})`,
    freedBytes: 0,
    mreleaseMs: null,
    availableBeforeBytes,
    recoveredMs: null,
    victim: null,
  };
}

/** A running `gdbus monitor` on systemd-oomd's object. */
export interface OomdMonitor {
  child: ChildProcess;
  stop(): void;
}

/** Start monitoring; `onLine` gets every output line, `onExit` a plain-words reason when it stops by itself. */
export function startOomdMonitor(onLine: (line: string) => void, onExit: (reason: string) => void, command = 'gdbus'): OomdMonitor {
  const child = spawn(command, ['monitor', '--system', '--dest', 'org.freedesktop.oom1', '--object-path', '/org/freedesktop/oom1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stopped = false;
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    rest += d;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > 64 * 1024) rest = '';
    for (const line of lines) onLine(line);
  });
  child.on('error', (err) => !stopped && onExit(`systemd-oomd's kills cannot be followed: ${command} could not start (${(err as NodeJS.ErrnoException).code ?? err.message}).`));
  child.on('exit', (code) => !stopped && onExit(`systemd-oomd's kills are no longer followed: ${command} monitor exited (${code}).`));
  return {
    child,
    stop() {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
