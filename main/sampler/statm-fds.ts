/**
 * The /proc/PID/statm fds the process table keeps open, one per process, within a budget.
 *
 * A kept fd makes a process's per-tick read one pread (≈ 2 µs here, against ≈ 7 µs for
 * open+read+close), and it refers to that process's struct pid: once the process is gone the read
 * fails with ESRCH, so a reused PID is never misread as the old process. Beyond the budget a
 * process is read with open+read+close of stat every tick, and its start time tells a reused PID
 * apart. When the process runs out of fds (EMFILE, ENFILE) the budget shrinks below what is open
 * and some kept fds are given back: the rest of the app, and the table's own status reads, need
 * them more.
 */
import { closeSync, openSync } from 'node:fs';
import { isOutOfFds } from './proc-reader';

/** Fds given back when the process runs out. */
const FD_RESERVE = 32;

/** What holds a kept fd (a table entry). */
export interface FdHolder {
  fd: number | null;
}

/** The kept statm fds and their budget. */
export class StatmFds {
  /** How many are open now. */
  open = 0;
  /** How many may be: the configured budget, lowered each time the process ran out of fds. */
  limit: number;
  /** How many times the budget shrank (a caller retries a read that failed for want of fds). */
  shrinks = 0;

  /** `holders`: every entry that may hold one, for shrink() to take fds back from. */
  constructor(budget: number, private readonly holders: () => Iterable<FdHolder>) {
    this.limit = budget;
  }

  /**
   * PID's statm opened and counted, or null beyond the budget or when out of fds (the budget then
   * shrank). Other errors (the process is gone) are thrown.
   */
  openFor(pid: number): number | null {
    if (this.open >= this.limit) return null;
    try {
      const fd = openSync(`/proc/${pid}/statm`, 'r');
      this.open++;
      return fd;
    } catch (err) {
      if (!isOutOfFds(err)) throw err;
      this.shrink();
      return null;
    }
  }

  /** Close the holder's fd, if it has one. */
  release(holder: FdHolder): void {
    if (holder.fd === null) return;
    closeSync(holder.fd);
    holder.fd = null;
    this.open--;
  }

  /** Out of fds: keep FD_RESERVE fewer than are open from now on, and close fds down to that. */
  shrink(): void {
    this.shrinks++;
    this.limit = Math.max(0, this.open - FD_RESERVE);
    for (const holder of this.holders()) {
      if (this.open <= this.limit) break;
      this.release(holder);
    }
  }
}
