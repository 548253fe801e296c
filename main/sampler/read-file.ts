/** Small synchronous file reads into a reused buffer: the sampler's I/O primitive. */
import { closeSync, openSync, readSync } from 'node:fs';

/** A growable scratch buffer shared by all reads of one sampler (the sampler is single-threaded). */
export class Scratch {
  buf = Buffer.allocUnsafe(16 * 1024);

  /** Make room for at least `size` bytes, keeping nothing. */
  grow(size: number): void {
    if (this.buf.length < size) this.buf = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2));
  }
}

/**
 * Read a whole file from an open fd starting at offset 0 (pread, so a kept-open /proc fd can be
 * re-read every tick), read after read until the end: a kernfs or seq_file read returns at most
 * about a page at a time (4,092 bytes of a 2,000-member cgroup.procs). The bytes are in the scratch
 * buffer; returns their count (at most `limit`). Throws the fs error
 * (ESRCH once a /proc/PID fd's process is gone).
 */
export function preadWhole(fd: number, scratch: Scratch, limit = Infinity): number {
  let length = 0;
  for (;;) {
    if (length === scratch.buf.length) {
      if (length >= limit) break;
      const bigger = Buffer.allocUnsafe(scratch.buf.length * 2);
      scratch.buf.copy(bigger, 0, 0, length);
      scratch.buf = bigger;
    }
    const n = readSync(fd, scratch.buf, length, Math.min(scratch.buf.length, limit) - length, length);
    if (n === 0) break;
    length += n;
    if (length >= limit) break;
  }
  return length;
}

/** preadWhole as text. */
export function preadAll(fd: number, scratch: Scratch, limit = Infinity): string {
  return scratch.buf.toString('utf8', 0, preadWhole(fd, scratch, limit));
}

/** open + read (at most `limit` bytes) + close. Throws the fs error (ENOENT when a process vanished). */
export function readText(path: string, scratch: Scratch, limit = Infinity): string {
  const fd = openSync(path, 'r');
  try {
    return preadAll(fd, scratch, limit);
  } finally {
    closeSync(fd);
  }
}

/** Like readText, but returns the raw bytes (a copy) — for NUL-separated files such as cmdline. */
export function readBytes(path: string, scratch: Scratch, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    scratch.grow(limit);
    let length = 0;
    while (length < limit) {
      const n = readSync(fd, scratch.buf, length, limit - length, length);
      if (n === 0) break;
      length += n;
    }
    return Buffer.from(scratch.buf.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}

/** The error code of a thrown fs error ('ENOENT', 'ESRCH', …), or undefined. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * True for the errors that mean "this process is gone or hidden from us", skipped silently (never
 * counted as malformed): ENOENT/ESRCH when it exited, EACCES/EPERM for another user's process
 * under hidepid=1 (noaccess), whose /proc directory is listed but unreadable.
 */
export function isGoneOrHidden(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}

/** pread the whole (small) file at offset 0 into the scratch buffer; returns the byte count. */
export function preadBytes(fd: number, scratch: Scratch): number {
  for (;;) {
    const n = readSync(fd, scratch.buf, 0, scratch.buf.length, 0);
    if (n < scratch.buf.length) return n;
    // Filled the buffer: the file may be longer. Grow and read again (stat lines are ~300 bytes; rare).
    scratch.grow(scratch.buf.length * 2);
  }
}

/** open + pread into the scratch buffer + close; returns the byte count. */
export function readFileBytes(path: string, scratch: Scratch): number {
  const fd = openSync(path, 'r');
  try {
    return preadBytes(fd, scratch);
  } finally {
    closeSync(fd);
  }
}

/**
 * The decimal number right after `key` in the file behind a kept fd (from its start when key is
 * ''), read with one pread into `scratch`; -1 when the read fails or there is no number there.
 */
export function preadCounter(fd: number, scratch: Scratch, key: string): number {
  let length: number;
  try {
    length = preadBytes(fd, scratch);
  } catch {
    return -1;
  }
  const buf = scratch.buf;
  let at = 0;
  if (key !== '') {
    at = buf.subarray(0, length).indexOf(key);
    if (at < 0) return -1;
    at += key.length;
  }
  let n = 0;
  let digits = 0;
  for (; at < length; at++, digits++) {
    const c = buf[at]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return digits > 0 ? n : -1;
}
