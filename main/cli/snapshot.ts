/**
 * `headroom snapshot` — one sample of pressure, memory and processes: a top-like table, or JSON
 * (`--json`; with `--repeat N --interval MS`, one JSON document per line, later ones on the warm cache).
 */
import { visibleControls } from '../../contract/display-name';
import type { PsiResource, Snapshot } from '../../contract/snapshot';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../sampler/loop';
import { createSampler } from '../sampler/sampler';
import { endQuietlyWhenOutputCloses, intValue, parseArgs, UsageError } from './args';

const DEFAULT_TOP = 25;

const HELP = `usage: headroom snapshot [--json] [--repeat N] [--interval MS] [--top N | --all]
  --json          one JSON document per snapshot (one per line with --repeat)
  --repeat N      take N snapshots (default 1); later ones reuse the warm cache
  --interval MS   time between them, ${MIN_INTERVAL_MS}–${MAX_INTERVAL_MS} ms (default 1000)
  --top N         table: show the N largest processes by RSS (default ${DEFAULT_TOP})
  --all           table: show every process
`;

/** Run the subcommand; returns the exit code (usage errors are thrown as UsageError → exit 2). */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { booleans: ['--json', '--all', '--help'], values: ['--repeat', '--interval', '--top'] });
  if (parsed.booleans.has('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  const repeat = intValue('--repeat', parsed.values.get('--repeat'), 1, 1_000_000) ?? 1;
  const intervalMs = intValue('--interval', parsed.values.get('--interval'), MIN_INTERVAL_MS, MAX_INTERVAL_MS) ?? 1000;
  const top = parsed.booleans.has('--all') ? Infinity : (intValue('--top', parsed.values.get('--top'), 1, 1_000_000) ?? DEFAULT_TOP);
  const json = parsed.booleans.has('--json');
  if (parsed.booleans.has('--all') && parsed.values.has('--top')) throw new UsageError('choose one of --top N and --all');
  endQuietlyWhenOutputCloses();

  const sampler = createSampler({ intervalMs });
  try {
    for (let i = 0; i < repeat; i++) {
      const started = Date.now();
      const snapshot = sampler.sample();
      const text = json ? JSON.stringify(snapshot) + '\n' : formatTable(snapshot, top) + (i + 1 < repeat ? '\n' : '');
      if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      if (i + 1 < repeat) await sleep(Math.max(0, started + intervalMs - Date.now()));
    }
  } finally {
    sampler.close();
  }
  return 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bytes in the largest binary unit that keeps the number readable, e.g. "1.5G". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(value < 10 ? 1 : 0)}${units[unit]}`;
}

function psiText(name: string, psi: PsiResource | null | undefined): string {
  if (!psi) return `${name} n/a`;
  const full = psi.full ? ` full ${psi.full.avg10.toFixed(2)}%` : '';
  return `${name} some ${psi.some.avg10.toFixed(2)}%${full}`;
}

/** The human-readable view: a PSI + memory header and the top processes by RSS. */
export function formatTable(s: Snapshot, top: number): string {
  const m = s.memory;
  const lines: string[] = [];
  lines.push(
    s.psi
      ? `Pressure (avg10): ${psiText('memory', s.psi.memory)} · ${psiText('cpu', s.psi.cpu)} · ${psiText('io', s.psi.io)}`
      : 'Pressure: not available (kernel without PSI, or booted with psi=0)',
  );
  const zram = m.zram.length > 0 ? ` · zram ${formatBytes(m.zram.reduce((sum, z) => sum + z.usedBytes, 0))} used` : '';
  lines.push(
    `Memory: ${formatBytes(m.totalBytes - m.availableBytes)} used of ${formatBytes(m.totalBytes)}, ${formatBytes(m.availableBytes)} available · ` +
      `swap ${formatBytes(m.swapTotalBytes - m.swapFreeBytes)} of ${formatBytes(m.swapTotalBytes)}${zram}`,
  );
  const sorted = [...s.processes].sort((a, b) => b.rssBytes - a.rssBytes);
  const shown = sorted.slice(0, top);
  const which = shown.length < sorted.length ? `top ${shown.length} of ${sorted.length}` : `all ${sorted.length}`;
  lines.push(`Processes: ${which} by RSS, ${s.apps.length} apps · sampled in ${s.sampleMs.toFixed(1)} ms`);
  lines.push('');
  const header = ['PID', 'USER', 'RSS', 'ANON', 'SWAP', 'S', 'APP', 'COMMAND'];
  const appName = new Map(s.apps.map((a) => [a.id, a.name]));
  // Names and command lines are the processes' own words: control characters are shown as their
  // codes, so no process can move the cursor, retitle the terminal or forge a row.
  const rows = shown.map((p) => [
    String(p.pid),
    visibleControls(p.user),
    formatBytes(p.rssBytes),
    formatBytes(p.anonBytes),
    formatBytes(p.swapBytes),
    p.state,
    visibleControls(appName.get(p.appId) ?? ''),
    visibleControls(p.cmdline || `[${p.comm}]`),
  ]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, 16))));
  const right = new Set([0, 2, 3, 4]);
  const cols = process.stdout.isTTY ? process.stdout.columns : Infinity;
  for (const row of [header, ...rows]) {
    const cells = row.slice(0, -1).map((cell, i) => {
      const c = cell.length > 16 ? cell.slice(0, 15) + '…' : cell;
      return right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
    });
    const line = `${cells.join('  ')}  ${row[row.length - 1]}`;
    lines.push(line.length > cols ? line.slice(0, cols - 1) + '…' : line);
  }
  return lines.join('\n') + '\n';
}
