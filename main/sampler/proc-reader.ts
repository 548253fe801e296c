/**
 * The process table's reads of one process's /proc files, each with one scratch buffer and no
 * allocation beyond the parsed result. A process can vanish between any two reads: a read of a gone
 * (or hidden) process throws or returns null, and the caller drops or re-reads it. What could not be
 * parsed is counted in `malformed` (reported per tick); running out of fds is handed to `outOfFds`,
 * which gives kept fds back (statm-fds.ts keeps them).
 */
import type { StatRaw } from './parse/stat';
import { parseCgroupV2Path } from './parse/cgroup';
import { CMDLINE_CAP, parseCmdline } from './parse/cmdline';
import { toInt } from './parse/result';
import { parseStatBytes } from './parse/stat';
import { parseStatTail, type StatTail } from './parse/stat-tail';
import { parseStatmResident } from './parse/statm';
import { parseStatus, type StatusRaw } from './parse/status';
import { errorCode, isGoneOrHidden, preadBytes, readBytes, readFileBytes, readText, type Scratch } from './read-file';

/** EMFILE or ENFILE: this process (or the system) is out of file descriptors. */
export function isOutOfFds(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EMFILE' || code === 'ENFILE';
}

/** /proc/PID, or /proc/PID/task/TID for a thread's view of its process (`task` not 0). */
function procDir(pid: number, task: number): string {
  return task === 0 ? `/proc/${pid}` : `/proc/${pid}/task/${task}`;
}

/** Reads /proc/PID/{stat,statm,status,cgroup,cmdline,oom_*}; see the file comment. */
export class ProcReader {
  /** Lines or files that could not be parsed since the owner last reset it. */
  malformed = 0;

  constructor(
    private readonly scratch: Scratch,
    private readonly outOfFds: () => void,
    private readonly cmdlineCap = CMDLINE_CAP,
  ) {}

  /**
   * statm's resident pages through a kept fd (pread) or open+read+close; -1 when gone or malformed.
   * `task`: read through that thread (/proc/PID/task/TID/), for a process whose main thread exited.
   */
  resident(pid: number, fd: number | null, task = 0): number {
    let resident: number | null;
    try {
      const length = fd !== null ? preadBytes(fd, this.scratch) : readFileBytes(`${procDir(pid, task)}/statm`, this.scratch);
      resident = parseStatmResident(this.scratch.buf, length);
    } catch (err) {
      this.failed(err);
      return -1;
    }
    if (resident === null) {
      this.malformed++;
      return -1;
    }
    return resident;
  }

  /**
   * open+read+close of /proc/PID/stat; null when the process is gone or the line is bad. With
   * `tail`, the fields past parse/stat.ts's (threads, code and argv addresses) are filled from the
   * same bytes.
   */
  stat(pid: number, tail?: StatTail): StatRaw | null {
    let length: number;
    try {
      length = readFileBytes(`/proc/${pid}/stat`, this.scratch);
    } catch (err) {
      this.failed(err);
      return null;
    }
    const stat = parseStatBytes(this.scratch.buf, length);
    if (!stat) this.malformed++;
    else if (tail) parseStatTail(this.scratch.buf, length, tail);
    return stat;
  }

  /** /proc/PID/status parsed; throws when the process is gone. */
  status(pid: number, task = 0): StatusRaw {
    const status = parseStatus(readText(`${procDir(pid, task)}/status`, this.scratch));
    this.malformed += status.malformed;
    return status.value;
  }

  /** The cgroup v2 path; "/" without a "0::" line (pure cgroup v1: everything sits in the root for our purposes). Throws when gone. */
  cgroup(pid: number): string {
    return parseCgroupV2Path(readText(`/proc/${pid}/cgroup`, this.scratch)) ?? '/';
  }

  /** A file holding one integer (oom_score, oom_score_adj); `fallback` when malformed, throws when gone. */
  int(path: string, fallback: number): number {
    const n = toInt(readText(path, this.scratch).trim());
    if (n === null) {
      this.malformed++;
      return fallback;
    }
    return n;
  }

  /** The command line, capped; "" when unreadable (gone, a kernel thread, a zombie). */
  cmdline(pid: number, task = 0): string {
    const cap = this.cmdlineCap;
    try {
      // UTF-8 takes up to 4 bytes a character; read no more than the cap can use.
      return parseCmdline(readBytes(`${procDir(pid, task)}/cmdline`, this.scratch, cap * 4 + 4), cap);
    } catch {
      return '';
    }
  }

  /** Account for a failed read: gone or hidden is silent, out of fds is handed on, the rest is malformed. */
  failed(err: unknown): void {
    if (isOutOfFds(err)) this.outOfFds();
    else if (!isGoneOrHidden(err)) this.malformed++;
  }
}
