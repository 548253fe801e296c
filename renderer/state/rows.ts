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
  | { kind: 'process'; key: string; process: ProcessInfo };

/** The sorted apps and, for each app id, its processes in the same order. */
export interface SortedTable {
  apps: readonly AppInfo[];
  processesByApp: ReadonlyMap<string, readonly ProcessInfo[]>;
}

const NO_PROCESSES: readonly ProcessInfo[] = [];

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
 * The processes in the order they had in `previous` (by PID), new ones at the end: the input for a
 * sort that is nearly done already (V8's TimSort then costs about one comparison per process
 * instead of n log n). A reused PID only takes the old slot; the sort puts it where it belongs.
 */
function inPreviousOrder(processes: readonly ProcessInfo[], previous: ReadonlyMap<number, number>, slots: number): ProcessInfo[] {
  const placed: (ProcessInfo | undefined)[] = new Array<ProcessInfo | undefined>(slots);
  const newcomers: ProcessInfo[] = [];
  for (const p of processes) {
    const i = previous.get(p.pid);
    if (i !== undefined && placed[i] === undefined) placed[i] = p;
    else newcomers.push(p);
  }
  const out: ProcessInfo[] = [];
  for (const p of placed) if (p !== undefined) out.push(p);
  for (const p of newcomers) out.push(p);
  return out;
}

/** One app's processes as the last sort left them: as grouped (snapshot order) and sorted. */
interface AppGroup {
  members: readonly ProcessInfo[];
  sorted: readonly ProcessInfo[];
}

/**
 * sortTable with memory, giving exactly what sortTable gives:
 * - when the new snapshot's processes are the very same objects as the last one's (a delta that
 *   changed no process), the grouping and the sorts are reused and only the apps (tens) are sorted
 *   again;
 * - otherwise the processes are grouped by app (one pass), and only an app whose processes are not
 *   the very same objects as last time is sorted again — starting from its last order (nearly
 *   sorted: a tick moves a few rows, so V8's TimSort costs about one comparison per process). An app
 *   left unchanged keeps its sorted list object, so the rows built from it can be reused
 *   (buildRows). Before, one changed process anywhere re-sorted all 2,000 of an idle app's too.
 */
export function createTableSorter(): (snapshot: Snapshot, sort: SortState) => SortedTable {
  let last: { processes: readonly ProcessInfo[]; sort: SortState; table: SortedTable; groups: Map<string, AppGroup> } | null = null;
  return (snapshot, sort) => {
    const sign = sort.direction === 'ascending' ? 1 : -1;
    const apps = snapshot.apps.slice().sort((a, b) => sign * compare(appValue(a, sort.key), appValue(b, sort.key)) || (a.pids[0] ?? 0) - (b.pids[0] ?? 0));
    if (last !== null && last.sort === sort && sameRows(last.processes, snapshot.processes)) {
      last = { ...last, processes: snapshot.processes, table: { apps, processesByApp: last.table.processesByApp } };
      return last.table;
    }
    const before = last !== null && last.sort === sort ? last.groups : null;
    const grouped = new Map<string, ProcessInfo[]>();
    for (const p of snapshot.processes) {
      const list = grouped.get(p.appId);
      if (list) list.push(p);
      else grouped.set(p.appId, [p]);
    }
    const byProcess = (a: ProcessInfo, b: ProcessInfo) => sign * compare(processValue(a, sort.key), processValue(b, sort.key)) || a.pid - b.pid;
    const groups = new Map<string, AppGroup>();
    const processesByApp = new Map<string, readonly ProcessInfo[]>();
    for (const [appId, members] of grouped) {
      const old = before?.get(appId);
      let sorted: readonly ProcessInfo[];
      if (old !== undefined && sameRows(old.members, members)) sorted = old.sorted;
      else {
        const next = old !== undefined ? inPreviousOrder(members, positionsOf(old.sorted), old.sorted.length) : members.slice();
        sorted = next.sort(byProcess);
      }
      groups.set(appId, { members, sorted });
      processesByApp.set(appId, sorted);
    }
    last = { processes: snapshot.processes, sort, table: { apps, processesByApp }, groups };
    return last.table;
  };
}

/** Each process's index in a list, by PID. */
function positionsOf(list: readonly ProcessInfo[]): Map<number, number> {
  const position = new Map<number, number>();
  for (let i = 0; i < list.length; i++) position.set(list[i]!.pid, i);
  return position;
}

/** True when a process matches the (lower-cased, trimmed) filter by name, command line or PID. */
export function processMatches(p: ProcessInfo, query: string): boolean {
  return String(p.pid).startsWith(query) || p.comm.toLowerCase().includes(query) || p.cmdline.toLowerCase().includes(query);
}

/**
 * What one build of the rows leaves for the next: each app's segment of rows. Plain Maps rebuilt
 * per build (no WeakMap: thousands of weak entries replaced every second cost the garbage collector
 * more than they save).
 */
export interface RowMemo {
  /** Each app's rows by app id (see RowSegment for when they are reused). */
  segments: Map<string, RowSegment>;
}

type ProcessRow = TableRow & { kind: 'process' };

/**
 * One app's rows as the last build made them. A process row depends only on its process, so the
 * process rows (and the filter's results) are reused while the app's sorted processes are the same
 * list object, its openness, name and the filter are the same — even when the app's own numbers
 * changed, as a live app's do every tick (its RSS is the sum of its processes'): then only the app
 * row is new. Before, such an app's 2,000 process rows were all rebuilt every tick.
 */
interface RowSegment {
  app: AppInfo;
  processes: readonly ProcessInfo[];
  isOpen: boolean;
  query: string;
  /** The app row, or null when the filter leaves nothing of this app. */
  appRow: (TableRow & { kind: 'app' }) | null;
  processRows: readonly ProcessRow[];
  /** Filter results and rows by process object, for this app's next segment. */
  matches: Map<ProcessInfo, boolean>;
  rowsByProcess: Map<ProcessInfo, ProcessRow>;
}

const NO_PROCESS_ROWS: readonly ProcessRow[] = [];

/** The segment of one app, reusing what `old` (its last segment) made for unchanged processes. */
function makeSegment(app: AppInfo, processes: readonly ProcessInfo[], isOpen: boolean, query: string, old: RowSegment | undefined): RowSegment {
  const oldMatches = old !== undefined && old.query === query ? old.matches : undefined;
  const matches = new Map<ProcessInfo, boolean>();
  const rowsByProcess = new Map<ProcessInfo, ProcessRow>();
  const processRow = (process: ProcessInfo): ProcessRow => {
    const row = old?.rowsByProcess.get(process) ?? { kind: 'process' as const, key: processRowKey(process), process };
    rowsByProcess.set(process, row);
    return row;
  };
  const matchesQuery = (p: ProcessInfo): boolean => {
    let m = oldMatches?.get(p);
    if (m === undefined) m = processMatches(p, query);
    matches.set(p, m);
    return m;
  };
  let shown: readonly ProcessInfo[];
  let visible = true;
  if (query === '') shown = isOpen ? processes : [];
  else {
    const matching = processes.filter(matchesQuery);
    const appMatches = app.name.toLowerCase().includes(query);
    visible = appMatches || matching.length > 0;
    shown = appMatches ? (isOpen ? processes : []) : matching;
  }
  const processRows = shown.length === 0 ? NO_PROCESS_ROWS : shown.map(processRow);
  // With a filter, an app is shown open exactly when rows of its processes are under it.
  const appRow = visible ? { kind: 'app' as const, key: appRowKey(app), app, processes, expanded: query === '' ? isOpen : shown.length > 0 } : null;
  return { app, processes, isOpen, query, appRow, processRows, matches, rowsByProcess };
}

/** The same segment for the app's new numbers: only the app row is new. */
function withApp(old: RowSegment, app: AppInfo): RowSegment {
  return { ...old, app, appRow: old.appRow === null ? null : { ...old.appRow, app } };
}

/**
 * The rows to draw. Without a filter: every app, with the processes of expanded apps under it.
 * With a filter: apps whose name matches (expanded as chosen), and apps with matching processes,
 * shown open with only those processes so the match is visible at once. With `memo` (the previous
 * build's), an unchanged process keeps its filter result and its row object (RowSegment).
 */
export function buildRows(table: SortedTable, expanded: ReadonlySet<string>, filter: string, memo?: RowMemo): TableRow[] {
  const query = filter.trim().toLowerCase();
  const segments = new Map<string, RowSegment>();
  const rows: TableRow[] = [];
  for (const app of table.apps) {
    const processes = table.processesByApp.get(app.id) ?? NO_PROCESSES;
    const isOpen = expanded.has(app.id);
    const old = memo?.segments.get(app.id);
    let segment: RowSegment;
    if (old !== undefined && old.processes === processes && old.isOpen === isOpen && old.query === query && old.app.name === app.name) {
      segment = old.app === app ? old : withApp(old, app);
    } else {
      segment = makeSegment(app, processes, isOpen, query, old);
    }
    segments.set(app.id, segment);
    if (segment.appRow === null) continue;
    rows.push(segment.appRow);
    for (const row of segment.processRows) rows.push(row);
  }
  if (memo !== undefined) memo.segments = segments;
  return rows;
}

/** An empty memo for buildRows. */
export function createRowMemo(): RowMemo {
  return { segments: new Map() };
}
