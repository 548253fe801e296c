/**
 * The apps table's rows: processes grouped by app and sorted once per snapshot (and per sort
 * change), then flattened with the expanded apps and the filter into the list the virtualised
 * table draws.
 */
import type { AppInfo, ProcessInfo, Snapshot } from '../../contract/snapshot';

export type SortKey = 'name' | 'pid' | 'user' | 'rss' | 'swap' | 'growth' | 'pressure';
export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export type TableRow =
  | { kind: 'app'; key: string; app: AppInfo; processes: readonly ProcessInfo[]; expanded: boolean }
  | { kind: 'process'; key: string; app: AppInfo; process: ProcessInfo };

/** The sorted apps and, for each app id, its processes in the same order. */
export interface SortedTable {
  apps: readonly AppInfo[];
  processesByApp: ReadonlyMap<string, readonly ProcessInfo[]>;
}

/** The row key of an app. */
export function appRowKey(app: AppInfo): string {
  return `a:${app.id}`;
}

/** The row key of a process: pid plus start time, so a reused PID is a different row. */
export function processRowKey(p: ProcessInfo): string {
  return `p:${p.pid}:${p.startTime}`;
}

function appValue(a: AppInfo, key: SortKey): number | string {
  switch (key) {
    case 'name':
      return a.name.toLowerCase();
    case 'pid':
      return a.pids[0] ?? 0;
    case 'user':
      return a.user;
    case 'rss':
      return a.rssBytes;
    case 'swap':
      return a.swapBytes;
    case 'growth':
      return a.growthBytesPerSec;
    case 'pressure':
      return a.pressure ? a.pressure.some.avg10 : -1;
  }
}

function processValue(p: ProcessInfo, key: SortKey): number | string {
  switch (key) {
    case 'name':
      return p.comm.toLowerCase();
    case 'pid':
      return p.pid;
    case 'user':
      return p.user;
    case 'rss':
      return p.rssBytes;
    case 'swap':
      return p.swapBytes;
    case 'growth':
      return p.growthBytesPerSec;
    case 'pressure':
      return -1;
  }
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sort apps and processes by `sort`, and group the processes by app (one pass over the sorted
 * processes, so each app's list comes out already in order). Ties keep a stable order by PID.
 */
export function sortTable(snapshot: Snapshot, sort: SortState): SortedTable {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const apps = snapshot.apps.slice().sort(
    (a, b) => sign * compare(appValue(a, sort.key), appValue(b, sort.key)) || (a.pids[0] ?? 0) - (b.pids[0] ?? 0),
  );
  const processes = snapshot.processes.slice().sort(
    (a, b) => sign * compare(processValue(a, sort.key), processValue(b, sort.key)) || a.pid - b.pid,
  );
  const processesByApp = new Map<string, ProcessInfo[]>();
  for (const p of processes) {
    const list = processesByApp.get(p.appId);
    if (list) list.push(p);
    else processesByApp.set(p.appId, [p]);
  }
  return { apps, processesByApp };
}

/** True when every element of `a` is the same object as in `b` (deltas keep unchanged rows' objects). */
function sameRows<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * sortTable with memory: when the new snapshot's processes are the very same objects as the last
 * one's (a delta that changed no process, the usual idle tick), the grouping and the 2,000-row sort
 * are reused and only the apps (tens) are sorted again.
 */
export function createTableSorter(): (snapshot: Snapshot, sort: SortState) => SortedTable {
  let last: { processes: readonly ProcessInfo[]; sort: SortState; table: SortedTable } | null = null;
  return (snapshot, sort) => {
    if (last !== null && last.sort === sort && sameRows(last.processes, snapshot.processes)) {
      const sign = sort.direction === 'ascending' ? 1 : -1;
      const apps = snapshot.apps.slice().sort((a, b) => sign * compare(appValue(a, sort.key), appValue(b, sort.key)) || (a.pids[0] ?? 0) - (b.pids[0] ?? 0));
      last = { processes: snapshot.processes, sort, table: { apps, processesByApp: last.table.processesByApp } };
      return last.table;
    }
    last = { processes: snapshot.processes, sort, table: sortTable(snapshot, sort) };
    return last.table;
  };
}

/** Filter results per process object: an unchanged process (same object) is not lower-cased again. */
const matchCache = new WeakMap<ProcessInfo, { query: string; matches: boolean }>();

/** True when a process matches the (lower-cased, trimmed) filter by name, command line or PID. */
export function processMatches(p: ProcessInfo, query: string): boolean {
  const cached = matchCache.get(p);
  if (cached !== undefined && cached.query === query) return cached.matches;
  const matches = String(p.pid).startsWith(query) || p.comm.toLowerCase().includes(query) || p.cmdline.toLowerCase().includes(query);
  matchCache.set(p, { query, matches });
  return matches;
}

/**
 * The rows to draw. Without a filter: every app, with the processes of expanded apps under it.
 * With a filter: apps whose name matches (expanded as chosen), and apps with matching processes,
 * shown open with only those processes so the match is visible at once.
 */
export function buildRows(table: SortedTable, expanded: ReadonlySet<string>, filter: string): TableRow[] {
  const query = filter.trim().toLowerCase();
  const rows: TableRow[] = [];
  for (const app of table.apps) {
    const processes = table.processesByApp.get(app.id) ?? [];
    const isOpen = expanded.has(app.id);
    if (query === '') {
      rows.push({ kind: 'app', key: appRowKey(app), app, processes, expanded: isOpen });
      if (isOpen) for (const p of processes) rows.push(processRow(app, p));
      continue;
    }
    const appMatches = app.name.toLowerCase().includes(query);
    const matching = processes.filter((p) => processMatches(p, query));
    if (!appMatches && matching.length === 0) continue;
    const shown = appMatches ? (isOpen ? processes : []) : matching;
    rows.push({ kind: 'app', key: appRowKey(app), app, processes, expanded: shown.length > 0 });
    for (const p of shown) rows.push(processRow(app, p));
  }
  return rows;
}

/** Process rows per process object: an unchanged process under an unchanged app keeps its row object. */
const processRows = new WeakMap<ProcessInfo, TableRow & { kind: 'process' }>();

function processRow(app: AppInfo, process: ProcessInfo): TableRow {
  const cached = processRows.get(process);
  if (cached !== undefined && cached.app === app) return cached;
  const row = { kind: 'process' as const, key: processRowKey(process), app, process };
  processRows.set(process, row);
  return row;
}
