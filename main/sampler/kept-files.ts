/**
 * Small files read every tick — /proc/meminfo, /proc/vmstat, the PSI files, each app group's
 * memory.pressure, zram's mm_stat — through fds kept open: a pread from offset 0 makes /proc, sysfs
 * and cgroup files generate their text afresh, so one read replaces open + read + close. A read that
 * fails closes the fd and opens the path once more (a cgroup removed and made again under the same
 * path, a zram device reset); only if that fails too does the error reach the caller. Paths not read
 * between two sweeps (an app group that went away) are closed; at most MAX_KEPT stay open, the
 * rest are read the plain way.
 */
import { closeSync, openSync } from 'node:fs';
import { preadAll, readText, type Scratch } from './read-file';

/** Fds kept at most (beside the statm fds and the idle groups' two per group). */
export const MAX_KEPT = 256;

/** Kept-open fds of small files, by path. */
export class KeptFiles {
  private readonly fds = new Map<string, number>();
  private readonly read = new Set<string>();

  constructor(private readonly scratch: Scratch) {}

  /** The file's whole text; throws the fs error (ENOENT: it is gone) when it cannot be read even freshly opened. */
  text(path: string): string {
    this.read.add(path);
    const kept = this.fds.get(path);
    if (kept !== undefined) {
      try {
        return preadAll(kept, this.scratch);
      } catch {
        closeSync(kept);
        this.fds.delete(path);
      }
    }
    if (this.fds.size >= MAX_KEPT) return readText(path, this.scratch);
    const fd = openSync(path, 'r');
    try {
      const text = preadAll(fd, this.scratch);
      this.fds.set(path, fd);
      return text;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Close the fds of the paths not read since the last sweep. */
  sweep(): void {
    for (const [path, fd] of this.fds) {
      if (this.read.has(path)) continue;
      closeSync(fd);
      this.fds.delete(path);
    }
    this.read.clear();
  }

  /** How many fds are kept open. */
  get open(): number {
    return this.fds.size;
  }

  /** Close every fd. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.read.clear();
  }
}
