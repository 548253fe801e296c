/**
 * `headroom history` — what the flight recorder kept: system samples (default), per-app rows
 * (`--apps`) and events (`--events`: reaps, guard warnings and auto-reaps, kernel OOM and systemd-oomd
 * kills) over a range, as a table, one JSON document per line (`--json`), or CSV with a header row
 * (`--csv`, one kind of row at a time). It reads the store directly and never takes the writer lock,
 * so it works while the window or `serve` records. Imports only the store reader: it starts fast.
 */
import { visibleControls } from '../../contract/display-name';
import type { HistoryLine, RecordedApp, RecordedEvent, RecordedSample } from '../../contract/record';
import { MAX_DATE_MS } from '../recorder/codec';
import { checkStateDir, defaultStateDir, RecorderRefusal } from '../recorder/safe-fs';
import { appsByTick, readEvents, samplesBySegment, systemReadStats, type AppsReadStats } from '../recorder/store-reader';
import { endQuietlyWhenOutputCloses, parseArgs, UsageError } from './args';

const HELP = `usage: headroom history [--since DURATION] [--until TIME] [--json | --csv] [--apps] [--events]
  --since DURATION  how far back from --until, e.g. 90s, 15m, 24h, 7d (default 1h)
  --until TIME      end of the range: ISO time (2026-01-31T14:00:00Z) or ms since the epoch (default now)
  --json            one JSON document per line, each with "type": sample, app or event
  --csv             comma-separated with a header row (one kind of row: samples, --apps or --events)
  --apps            per-app rows (top 50 apps by RSS plus any under pressure or growing fast)
  --events          events: reaps, guard warnings and auto-reaps, kernel OOM kills, systemd-oomd kills
The history lives in $XDG_STATE_HOME/headroom (default ~/.local/state/headroom).
`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** A duration like 90s, 15m, 24h, 7d, 500ms in ms; throws UsageError otherwise. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 366 * 86_400_000) {
    throw new UsageError(`${flag} must be a duration like 90s, 15m, 24h or 7d (at most a year), got '${raw}'`);
  }
  return Math.round(ms);
}

/** A time given as ISO 8601 or ms since the epoch; throws UsageError otherwise (also for 2026-02-30). */
export function parseTime(flag: string, raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n) && n <= MAX_DATE_MS) return n;
  } else {
    const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw);
    // Date.parse rolls a day past the month's end over into the next month: such a date is refused.
    const real = day !== null && Number(day[3]) >= 1 && Number(day[3]) <= new Date(Date.UTC(Number(day[1]), Number(day[2]), 0)).getUTCDate() && Number(day[2]) >= 1 && Number(day[2]) <= 12;
    const t = real ? Date.parse(raw) : Number.NaN;
    if (Number.isFinite(t) && t >= 0 && t <= MAX_DATE_MS) return t;
  }
  throw new UsageError(`${flag} must be an ISO time like 2026-01-31T14:00:00Z or milliseconds since the epoch, got '${raw}'`);
}

/**
 * One CSV cell. Text (a name, a label) has its control characters shown as ⟨U+…⟩, as in the table —
 * a process name can carry terminal escapes — and text that a spreadsheet would take for a formula
 * (= + - @ first) gets a leading apostrophe. Numbers are written as they are.
 */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string') {
    s = visibleControls(s);
    if (/^[=+\-@]/.test(s)) s = `'${s}`;
  }
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)}G`;
}
function pct(v: number | null): string {
  return v === null ? '   -' : v.toFixed(1).padStart(4);
}
function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tableLine(line: HistoryLine): string {
  if (line.type === 'sample') {
    return `${iso(line.t)}  mem some ${pct(line.memSomePct)}% full ${pct(line.memFullPct)}%  cpu ${pct(line.cpuSomePct)}%  io ${pct(line.ioSomePct)}%  available ${gib(line.availableBytes)}  swap used ${gib(line.swapTotalBytes - line.swapFreeBytes)}  zram ${gib(line.zramUsedBytes)}`;
  }
  if (line.type === 'app') {
    const pressure = line.pressureSomeAvg10 === null ? '' : `  pressure some ${pct(line.pressureSomeAvg10)}%`;
    return `${iso(line.t)}  ${visibleControls(line.name).padEnd(24).slice(0, 24)}  rss ${gib(line.rssBytes)}  anon ${gib(line.anonBytes)}  swap ${gib(line.swapBytes)}  growth ${(line.growthBytesPerSec / 1024 ** 2).toFixed(1)} MiB/s${pressure}`;
  }
  return `${iso(line.time)}  ${line.kind.toUpperCase()}  ${visibleControls(line.label)}${line.detail ? ` — ${visibleControls(line.detail)}` : ''}`;
}

const timeOf = (l: HistoryLine): number => (l.type === 'event' ? l.time : l.t);

/** Run the subcommand; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ['--since', '--until'], booleans: ['--json', '--csv', '--apps', '--events', '--help'] });
  if (parsed.booleans.has('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  const json = parsed.booleans.has('--json');
  const csv = parsed.booleans.has('--csv');
  if (json && csv) throw new UsageError('choose one of --json and --csv');
  const apps = parsed.booleans.has('--apps');
  const events = parsed.booleans.has('--events');
  if (csv && apps && events) throw new UsageError('--csv prints one kind of row: choose --apps or --events (or neither, for samples)');
  const to = parsed.values.has('--until') ? parseTime('--until', parsed.values.get('--until')!) : Date.now();
  const since = parsed.values.has('--since') ? parseDuration('--since', parsed.values.get('--since')!) : 3600_000;
  const range = { from: Math.max(0, to - since), to };
  const dir = defaultStateDir();
  endQuietlyWhenOutputCloses();
  try {
    checkStateDir(dir);
  } catch (err) {
    if (err instanceof RecorderRefusal) {
      process.stderr.write(`headroom history: ${err.message}\n`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  // Samples and per-app rows are streamed (a segment of samples, a tick of app rows at a time): a
  // month of samples collected first took over a gigabyte, 24 h of app rows 1.9 GB (found by review).
  // Events are few: they are read first and merged in by time.
  let skipped = 0;
  const refused: string[] = [];
  const small: HistoryLine[] = [];
  if (events) {
    const read = readEvents(dir, range);
    skipped += read.skipped;
    refused.push(...read.refused);
    for (const e of read.items) small.push({ type: 'event', ...(e as RecordedEvent) });
  }

  let out = '';
  let printed = 0;
  let columns: string[] | null = null;
  const flush = async (force = false): Promise<void> => {
    if (!force && out.length < 1 << 16) return;
    if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    out = '';
  };
  const emit = async (line: HistoryLine): Promise<void> => {
    if (csv) {
      if (columns === null) {
        columns = Object.keys(line).filter((k) => k !== 'type');
        out += columns.join(',') + '\n';
      }
      const rec = line as unknown as Record<string, unknown>;
      out += columns.map((c) => csvCell(rec[c])).join(',') + '\n';
    } else {
      out += (json ? JSON.stringify(line) : tableLine(line)) + '\n';
    }
    printed++;
    await flush();
  };

  if (apps) {
    // Per-app rows a tick at a time, the events merged in by time.
    const stats: AppsReadStats = { skipped: 0, refused: [] };
    let next = 0;
    for (const batch of appsByTick(dir, range, stats)) {
      for (const a of batch) {
        while (next < small.length && timeOf(small[next]!) <= a.t) await emit(small[next++]!);
        await emit({ type: 'app', ...(a as RecordedApp) });
      }
    }
    while (next < small.length) await emit(small[next++]!);
    skipped += stats.skipped;
    refused.push(...stats.refused);
  } else if (events) {
    for (const line of small) await emit(line);
  } else {
    const stats = systemReadStats();
    for (const batch of samplesBySegment(dir, range, stats)) {
      for (const sample of batch) await emit({ type: 'sample', ...(sample as RecordedSample) });
    }
    skipped += stats.skipped;
    refused.push(...stats.refused);
  }
  if (csv && columns === null) out += (apps ? 't,id,name' : events ? 'time,kind,label,detail' : 't') + '\n';
  await flush(true);

  for (const r of refused) process.stderr.write(`headroom history: ${r}\n`);
  if (skipped > 0) process.stderr.write(`headroom history: skipped ${skipped} torn or damaged record(s)\n`);
  if (!json && !csv && printed === 0) process.stderr.write(`headroom history: nothing recorded between ${iso(range.from)} and ${iso(range.to)} in ${dir}\n`);
  return 0;
}
