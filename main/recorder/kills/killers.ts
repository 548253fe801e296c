/**
 * Which other memory killers this machine has: systemd-oomd, earlyoom, nohang — installed (a binary
 * in the usual places) and running (a process of that name in the latest snapshot, so no extra /proc
 * scan), with their thresholds in plain words where their configuration is readable:
 * earlyoom's command line or /etc/default/earlyoom (EARLYOOM_ARGS: -m/-s percent, defaults 10 %),
 * /etc/systemd/oomd.conf (+ oomd.conf.d) and nohang's /etc/nohang/nohang.conf.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Killer } from '../../../contract/recorder';
import type { ProcessInfo } from '../../../contract/snapshot';

const BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin', '/usr/lib/systemd', '/lib/systemd'];
const NAMES: Record<Killer['name'], { bin: string; comm: string }> = {
  'systemd-oomd': { bin: 'systemd-oomd', comm: 'systemd-oomd' },
  earlyoom: { bin: 'earlyoom', comm: 'earlyoom' },
  nohang: { bin: 'nohang', comm: 'nohang' },
};

function readSmall(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').slice(0, 64 * 1024);
  } catch {
    return null;
  }
}

/** earlyoom's thresholds from its arguments ("-m 5 -s 10" or "-m 5,2"). */
export function earlyoomThresholds(args: string): string {
  const mem = /(?:^|\s)(?:-m|--mem)\s*=?\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?/.exec(args);
  const swap = /(?:^|\s)(?:-s|--swap)\s*=?\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?/.exec(args);
  const m = mem?.[1] ?? '10';
  const s = swap?.[1] ?? '10';
  return `kills when available memory is under ${m} % and free swap under ${s} %`;
}

/** systemd-oomd's thresholds from oomd.conf text (later files win). */
export function oomdThresholds(texts: string[]): string {
  let pressure = '60%';
  let duration = '30s';
  let swap = '90%';
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*(\w+)\s*=\s*(\S+)/.exec(line);
      if (!m) continue;
      if (m[1] === 'DefaultMemoryPressureLimit') pressure = m[2]!;
      if (m[1] === 'DefaultMemoryPressureDurationSec') duration = m[2]!;
      if (m[1] === 'SwapUsedLimit') swap = m[2]!;
    }
  }
  return `kills in managed cgroups at ${pressure} memory pressure for ${duration}, or swap ${swap} used`;
}

/** nohang's thresholds from nohang.conf. */
export function nohangThresholds(text: string): string {
  const get = (key: string): string | null => new RegExp(`^\\s*${key}\\s*=\\s*(.+?)\\s*$`, 'm').exec(text)?.[1] ?? null;
  const soft = get('soft_threshold_min_mem');
  const hard = get('hard_threshold_min_mem');
  const psi = get('psi_excess_duration');
  const parts = [soft && `terminates at ${soft} available memory`, hard && `kills at ${hard}`, psi && `PSI excess for ${psi} s`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'thresholds not readable';
}

function thresholdsFor(name: Killer['name'], proc: ProcessInfo | undefined): string | null {
  if (name === 'earlyoom') {
    if (proc && proc.cmdline) return earlyoomThresholds(proc.cmdline.replace(/^\S+/, ''));
    const conf = readSmall('/etc/default/earlyoom');
    const args = conf ? /^\s*EARLYOOM_ARGS\s*=\s*"?([^"\n]*)"?/m.exec(conf)?.[1] : undefined;
    return earlyoomThresholds(args ?? '');
  }
  if (name === 'systemd-oomd') {
    const texts = [readSmall('/etc/systemd/oomd.conf') ?? ''];
    try {
      for (const f of readdirSync('/etc/systemd/oomd.conf.d').filter((n) => n.endsWith('.conf')).sort()) texts.push(readSmall(join('/etc/systemd/oomd.conf.d', f)) ?? '');
    } catch {
      // No drop-ins.
    }
    return oomdThresholds(texts);
  }
  const conf = readSmall('/etc/nohang/nohang.conf') ?? readSmall('/usr/local/etc/nohang/nohang.conf');
  return conf ? nohangThresholds(conf) : null;
}

/** The killers installed or running; `processes` is the latest snapshot's process list. */
export function detectKillers(processes: readonly ProcessInfo[], binDirs: readonly string[] = BIN_DIRS): Killer[] {
  const out: Killer[] = [];
  for (const name of Object.keys(NAMES) as Killer['name'][]) {
    const { bin, comm } = NAMES[name];
    const proc = processes.find((p) => p.comm === comm || (name === 'nohang' && /(^|\/)nohang(\s|$)/.test(p.cmdline)));
    const installed = binDirs.some((d) => existsSync(join(d, bin)));
    if (!installed && !proc) continue;
    out.push({ name, running: !!proc, thresholds: thresholdsFor(name, proc) });
  }
  return out;
}
