/**
 * The apps and processes table: sortable, filterable, keyboard-driven and virtualised (fixed row
 * height; only the visible rows plus an overscan are in the DOM), so thousands of processes stay
 * smooth. Rows are role="row" inside a treegrid; each has "Reap <name>" and "End <name>" buttons.
 */
import { memo, useCallback, useDeferredValue, useMemo, useRef, useState, type KeyboardEvent, type UIEvent } from 'react';
import { visibleControls } from '../../contract/display-name';
import type { ReapMode } from '../../contract/reap';
import type { Snapshot } from '../../contract/snapshot';
import { formatBytes, formatGrowth, formatPct } from '../format/units';
import { buildRows, createRowMemo, createTableSorter, type SortKey, type SortState, type TableRow } from '../state/rows';
import { TableHeader, TableToolbar } from './TableHead';
import { useElementSize } from './useElementSize';

export const ROW_HEIGHT = 30;
const OVERSCAN = 6;
const FALLBACK_VIEWPORT = { width: 900, height: 480 };

export interface AppsTableProps {
  snapshot: Snapshot;
  /** Open the reap/end confirmation for this row. */
  onReap(row: TableRow, mode: ReapMode): void;
}

function rowName(row: TableRow): string {
  return row.kind === 'app' ? row.app.name : row.process.comm;
}

function pidText(row: TableRow): string {
  if (row.kind === 'process') return String(row.process.pid);
  const pids = row.app.pids;
  // Two PIDs and a count fit the column even with 7-digit PIDs.
  const shown = pids.slice(0, 2).join(', ');
  return pids.length > 2 ? `${shown} +${pids.length - 2}` : shown;
}

function rowId(key: string): string {
  // Row keys contain ':' and '/', which are fine in ids but not in CSS selectors; ids are only used for ARIA.
  return `row-${key}`;
}

interface RowProps {
  row: TableRow;
  index: number;
  selected: boolean;
  onSelect(index: number): void;
  onToggle(appId: string): void;
  /** By key: a row skipped by sameRow may hold an older row object; the table looks up the current one. */
  onReap(key: string, mode: ReapMode): void;
}

/** True when two rows show the same values: a new snapshot only re-renders the rows whose visible values changed. */
function sameShown(x: TableRow, y: TableRow): boolean {
  if (x === y) return true;
  if (x.kind === 'app' && y.kind === 'app') {
    const a = x.app;
    const b = y.app;
    return (
      x.expanded === y.expanded &&
      (a === b ||
        (a.name === b.name && a.processCount === b.processCount && a.pids[0] === b.pids[0] && a.pids[1] === b.pids[1] && a.pids[2] === b.pids[2] &&
          a.user === b.user && a.rssBytes === b.rssBytes && a.swapBytes === b.swapBytes && a.growthBytesPerSec === b.growthBytesPerSec &&
          a.pressure?.some.avg10 === b.pressure?.some.avg10 && a.cgroup === b.cgroup))
    );
  }
  if (x.kind === 'process' && y.kind === 'process') {
    const p = x.process;
    const q = y.process;
    return (
      p === q ||
      (p.comm === q.comm && p.pid === q.pid && p.user === q.user && p.rssBytes === q.rssBytes && p.swapBytes === q.swapBytes &&
        p.growthBytesPerSec === q.growthBytesPerSec && p.cmdline === q.cmdline)
    );
  }
  return false;
}

function sameRow(prev: RowProps, next: RowProps): boolean {
  if (
    prev.index !== next.index ||
    prev.selected !== next.selected ||
    prev.onSelect !== next.onSelect ||
    prev.onToggle !== next.onToggle ||
    prev.onReap !== next.onReap ||
    prev.row.key !== next.row.key ||
    prev.row.kind !== next.row.kind
  ) {
    return false;
  }
  return sameShown(prev.row, next.row);
}

const Row = memo(function Row({ row, index, selected, onSelect, onToggle, onReap }: RowProps) {
  // Names are what processes and cgroups call themselves: their control characters (a right-to-left
  // override would show '\u202Exoferif' as 'firefox' and move the cells after it) are shown as codes,
  // and the name is isolated from the text around it.
  const name = visibleControls(rowName(row));
  const isApp = row.kind === 'app';
  const rss = isApp ? row.app.rssBytes : row.process.rssBytes;
  const swap = isApp ? row.app.swapBytes : row.process.swapBytes;
  const growth = isApp ? row.app.growthBytesPerSec : row.process.growthBytesPerSec;
  const pressure = isApp && row.app.pressure ? formatPct(row.app.pressure.some.avg10) : '';
  const user = isApp ? row.app.user : row.process.user;
  const label = isApp ? name : `${name} (PID ${row.process.pid})`;
  const growing = growth > 1024 * 1024;
  // PID 1 is never ended (the reaper refuses it too): say so on the button instead of offering it.
  const isInit = isApp ? row.app.pids.length === 1 && row.app.pids[0] === 1 : row.process.pid === 1;
  const initTitle = isInit ? 'PID 1 (init) is never ended: the whole system depends on it.' : undefined;
  return (
    <div
      role="row"
      id={rowId(row.key)}
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-level={isApp ? 1 : 2}
      aria-expanded={isApp && row.app.processCount > 0 ? row.expanded : undefined}
      className={`hr-row ${isApp ? 'hr-row-app' : 'hr-row-process'}${selected ? ' hr-selected' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      onClick={() => onSelect(index)}
    >
      <div role="gridcell" className="hr-cell hr-name" title={visibleControls(isApp ? row.app.cgroup ?? name : row.process.cmdline)}>
        {isApp ? (
          <button
            type="button"
            className="hr-disclosure"
            tabIndex={-1}
            aria-label={`${row.expanded ? 'Collapse' : 'Expand'} ${name}`}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(row.app.id);
            }}
          >
            {row.expanded ? '\u25BE' : '\u25B8'}
          </button>
        ) : (
          <span className="hr-indent" aria-hidden="true" />
        )}
        <bdi className="hr-name-text">{name}</bdi>
        {isApp && row.app.processCount > 1 ? <span className="hr-count">{row.app.processCount}</span> : null}
      </div>
      <div role="gridcell" className="hr-cell hr-num">{pidText(row)}</div>
      <div role="gridcell" className="hr-cell">{user}</div>
      <div role="gridcell" className="hr-cell hr-num">{formatBytes(rss)}</div>
      <div role="gridcell" className="hr-cell hr-num">{swap > 0 ? formatBytes(swap) : '\u2014'}</div>
      <div role="gridcell" className={`hr-cell hr-num${growing ? ' hr-growing' : ''}`}>{formatGrowth(growth)}</div>
      <div role="gridcell" className="hr-cell hr-num">{pressure}</div>
      <div role="gridcell" className="hr-cell hr-actions">
        <button type="button" tabIndex={-1} className="hr-reap" aria-label={`Reap ${label}`} disabled={isInit} title={initTitle} onClick={(e) => { e.stopPropagation(); onReap(row.key, 'kill'); }}>
          Reap
        </button>
        <button type="button" tabIndex={-1} className="hr-end" aria-label={`End ${label}`} disabled={isInit} title={initTitle} onClick={(e) => { e.stopPropagation(); onReap(row.key, 'end'); }}>
          End
        </button>
      </div>
    </div>
  );
}, sameRow);

/** The apps/processes table for one snapshot. */
export const AppsTable = memo(function AppsTable({ snapshot, onReap }: AppsTableProps) {
  const [sort, setSort] = useState<SortState>({ key: 'rss', direction: 'descending' });
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const viewportRef = useRef<HTMLDivElement>(null);
  const { height: viewportHeight } = useElementSize(viewportRef, FALLBACK_VIEWPORT);

  // At most one sort per update (2,000 processes, grouped by app in the same pass), none when no process changed.
  const [sortTable] = useState(createTableSorter);
  const sorted = useMemo(() => sortTable(snapshot, sort), [sortTable, snapshot, sort]);
  const [rowMemo] = useState(createRowMemo);
  const rows = useMemo(() => buildRows(sorted, expanded, deferredFilter, rowMemo), [sorted, expanded, deferredFilter, rowMemo]);
  const selectedIndex = useMemo(() => (selectedKey === null ? -1 : rows.findIndex((r) => r.key === selectedKey)), [rows, selectedKey]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewportHeight) / ROW_HEIGHT) + OVERSCAN);

  const toggle = useCallback((appId: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(appId)) next.add(appId);
      return next;
    });
  }, []);

  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const select = useCallback((index: number) => {
    const row = rowsRef.current[index];
    if (row) setSelectedKey(row.key);
  }, []);
  const reapByKey = useCallback(
    (key: string, mode: ReapMode) => {
      const row = rowsRef.current.find((r) => r.key === key);
      if (row) onReap(row, mode);
    },
    [onReap],
  );

  const scrollIntoView = (index: number) => {
    const el = viewportRef.current;
    const top = index * ROW_HEIGHT;
    let next = scrollTop;
    if (top < scrollTop) next = top;
    else if (top + ROW_HEIGHT > scrollTop + viewportHeight) next = top + ROW_HEIGHT - viewportHeight;
    if (next !== scrollTop) {
      if (el) el.scrollTop = next;
      setScrollTop(next);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const current = selectedIndex;
    const page = Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT) - 1);
    let target: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        target = Math.min(rows.length - 1, current + 1);
        break;
      case 'ArrowUp':
        target = Math.max(0, current - 1);
        break;
      case 'PageDown':
        target = Math.min(rows.length - 1, Math.max(0, current) + page);
        break;
      case 'PageUp':
        target = Math.max(0, current - page);
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = rows.length - 1;
        break;
      case 'Enter':
      case 'ArrowRight':
      case 'ArrowLeft': {
        const row = rows[current];
        if (row?.kind === 'app' && (e.key === 'Enter' || (e.key === 'ArrowRight') !== row.expanded)) toggle(row.app.id);
        e.preventDefault();
        return;
      }
      case 'Delete':
      case 'r':
      case 'R': {
        const row = rows[current];
        if (row) onReap(row, 'kill');
        e.preventDefault();
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    const row = rows[target];
    if (!row) return;
    setSelectedKey(row.key);
    scrollIntoView(target);
  };

  const onScroll = (e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop);

  const sortBy = useCallback(
    (key: SortKey) =>
      setSort((prev) =>
        prev.key === key
          ? { key, direction: prev.direction === 'ascending' ? 'descending' : 'ascending' }
          : { key, direction: key === 'name' || key === 'user' || key === 'pid' ? 'ascending' : 'descending' },
      ),
    [],
  );
  const changeFilter = useCallback((value: string) => {
    setFilter(value);
    setScrollTop(0);
    if (viewportRef.current) viewportRef.current.scrollTop = 0;
  }, []);

  const visible: TableRow[] = rows.slice(first, last);
  const selectedRow = selectedIndex >= 0 ? rows[selectedIndex] : undefined;

  return (
    <section className="hr-table-section" aria-label="Apps and processes">
      <TableToolbar
        filter={filter}
        onFilter={changeFilter}
        apps={snapshot.apps.length}
        processes={snapshot.processes.length}
        matching={deferredFilter.trim() ? rows.length : null}
      />
      <div
        role="treegrid"
        aria-label="Apps and processes"
        aria-rowcount={rows.length + 1}
        aria-multiselectable={false}
        aria-activedescendant={selectedRow ? rowId(selectedRow.key) : undefined}
        tabIndex={0}
        className="hr-grid"
        onKeyDown={onKeyDown}
      >
        <TableHeader sort={sort} onSortBy={sortBy} />
        <div ref={viewportRef} className="hr-viewport" onScroll={onScroll}>
          <div role="rowgroup" className="hr-rows" style={{ height: rows.length * ROW_HEIGHT }}>
            {visible.map((row, i) => (
              <Row
                key={row.key}
                row={row}
                index={first + i}
                selected={row.key === selectedKey}
                onSelect={select}
                onToggle={toggle}
                onReap={reapByKey}
              />
            ))}
          </div>
          {rows.length === 0 && deferredFilter.trim() ? (
            <p className="hr-empty">{`No app or process matches \u201C${deferredFilter.trim()}\u201D.`}</p>
          ) : null}
        </div>
      </div>
    </section>
  );
});
