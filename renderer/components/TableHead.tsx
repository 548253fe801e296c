/**
 * The apps table's toolbar (filter, counts) and header row (sortable columns), memoised apart from
 * the table: a tick re-renders the table, and these would otherwise be re-created and compared
 * element by element every second for nothing.
 */
import { memo } from 'react';
import type { SortKey, SortState } from '../state/rows';

interface Column {
  key: SortKey;
  label: string;
  numeric: boolean;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', numeric: false },
  { key: 'pid', label: 'PID', numeric: true },
  { key: 'user', label: 'User', numeric: false },
  { key: 'rss', label: 'RSS', numeric: true },
  { key: 'swap', label: 'Swap', numeric: true },
  { key: 'growth', label: 'Growth', numeric: true },
  { key: 'pressure', label: 'Pressure', numeric: true },
];

/** The toolbar's inputs. */
export interface TableToolbarProps {
  filter: string;
  onFilter(value: string): void;
  apps: number;
  processes: number;
  /** Rows matching the filter; null without a filter. */
  matching: number | null;
}

/** Filter box and counts. */
export const TableToolbar = memo(function TableToolbar({ filter, onFilter, apps, processes, matching }: TableToolbarProps) {
  return (
    <div className="hr-table-toolbar">
      <label className="hr-filter">
        <span>Filter</span>
        <input type="search" value={filter} placeholder="name, command line or PID" onChange={(e) => onFilter(e.target.value)} />
      </label>
      <span className="hr-table-count" aria-live="off">
        {apps} apps, {processes} processes
        {matching !== null ? ` \u2014 ${matching} rows match` : ''}
      </span>
    </div>
  );
});

/** The column headers; a click sorts by that column. */
export const TableHeader = memo(function TableHeader({ sort, onSortBy }: { sort: SortState; onSortBy(key: SortKey): void }) {
  return (
    <div role="rowgroup" className="hr-header">
      <div role="row" aria-rowindex={1} className="hr-row hr-header-row">
        {COLUMNS.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            aria-sort={sort.key === c.key ? sort.direction : 'none'}
            className={`hr-cell${c.numeric ? ' hr-num' : ''}${c.key === 'name' ? ' hr-name' : ''}`}
          >
            <button type="button" tabIndex={-1} onClick={() => onSortBy(c.key)}>
              {c.label}
              <span aria-hidden="true">{sort.key === c.key ? (sort.direction === 'ascending' ? ' \u25B4' : ' \u25BE') : ''}</span>
            </button>
          </div>
        ))}
        <div role="columnheader" className="hr-cell hr-actions">
          Actions
        </div>
      </div>
    </div>
  );
});

