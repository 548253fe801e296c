/**
 * One writer per user. The lock is a file `writer.lock` holding "<pid> <start time> <nonce>",
 * created whole: written to a file of its own, then linked into place (link fails if it exists). A lock whose process is gone,
 * or whose PID now belongs to a process with another start time (a reused PID), is stale: it is
 * renamed aside (only one contender can rename a given file), its content checked to be the stale one
 * read before, and removed; then the contender tries O_EXCL again. A stale lock that cannot be moved
 * (a read-only disk, a folder we may not write) is that failure, with its errno, never "another writer".
 * The writer re-checks the lock at every rotation and steps down to follower if the file is no longer
 * its own.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createAppendOnly, errnoCode, lstatOrNull, readStoreFile } from './safe-fs';

export const LOCK_NAME = 'writer.lock';

/** A process by PID and start time (clock ticks since boot), and which recorder in it (two services in one process are two holders). */
export interface LockHolder {
  pid: number;
  startTime: number;
  nonce?: string;
}

/** The start time of `pid`, or null when it does not exist. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/** This process (and a fresh recorder nonce), as written in a lock. */
export function self(): LockHolder {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? 0, nonce: randomBytes(6).toString('hex') };
}

function same(a: LockHolder | null, b: LockHolder | null): boolean {
  return !!a && !!b && a.pid === b.pid && a.startTime === b.startTime && (a.nonce ?? '') === (b.nonce ?? '');
}

function readHolder(path: string): LockHolder | null {
  const text = readStoreFile(path, 256).toString('utf8');
  const m = /^(\d+) (\d+)(?: ([0-9a-f]{1,32}))?\n?$/.exec(text);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]), ...(m[3] ? { nonce: m[3] } : {}) } : null;
}

/** How long an empty or unreadable lock file counts as being written rather than stale. */
const BEING_WRITTEN_MS = 5000;

function isRecent(path: string): boolean {
  const info = lstatOrNull(path);
  return info !== null && Math.abs(Date.now() - info.mtimeMs) < BEING_WRITTEN_MS;
}

function alive(holder: LockHolder): boolean {
  return processStartTime(holder.pid) === holder.startTime;
}

/**
 * Try to become the writer. Returns null when this process now holds the lock, else the live holder.
 * Throws RecorderRefusal when the lock path is hostile (a symlink, FIFO, someone else's file), and the
 * errno error (EROFS, EACCES, …) when a stale lock cannot be moved aside.
 */
export function acquireLock(dir: string, me: LockHolder = self()): LockHolder | null {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createWithContent(path, `${me.pid} ${me.startTime}${me.nonce ? ` ${me.nonce}` : ''}\n`)) return null;
    let holder: LockHolder | null;
    try {
      holder = readHolder(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (same(holder, me)) return null;
    if (holder && alive(holder)) return holder;
    // Empty or unreadable and just made: another contender (an older Headroom creates it empty, then
    // writes) may be writing it this moment. Not stale until it has stayed so for a while.
    if (!holder && isRecent(path)) return { pid: 0, startTime: 0 };
    // Stale (or unreadable garbage): move it aside, make sure it is the one we judged, and remove it.
    const aside = `${path}.stale-${me.pid}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      // ENOENT: another contender moved it first. Anything else (EROFS, EACCES) means no one can
      // take the lock here: say why instead of reporting the dead holder as a live writer.
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    let moved: LockHolder | null = null;
    try {
      moved = readHolder(aside);
    } catch {
      moved = null;
    }
    if (moved !== holder && !same(moved, holder) && moved && alive(moved)) {
      // Someone took the lock between our read and our rename: give it back and follow.
      try {
        // A link, not a rename: a third contender's lock made meanwhile is not overwritten.
        linkSync(aside, path);
        unlinkSync(aside);
      } catch {
        // It will notice at its next rotation and the two settle then.
      }
      return moved;
    }
    try {
      unlinkSync(aside);
    } catch {
      // Already gone; or left behind, which does not matter: the lock's own path is free now.
    }
  }
  const holder = (() => {
    try {
      return readHolder(path);
    } catch {
      return null;
    }
  })();
  return holder ?? { pid: 0, startTime: 0 };
}

/**
 * Create `path` holding `text`, or return false when it exists. The text is written to a file of our
 * own first and linked into place, so the lock never exists empty: a contender that read it in
 * the moment between an O_EXCL create and its write took it for stale garbage, removed it and took
 * it too — two writers (found by review). Where links are refused (some FUSE file systems), the
 * O_EXCL create and write as before.
 */
function createWithContent(path: string, text: string): boolean {
  const temp = `${path}.${randomBytes(6).toString('hex')}.new`;
  try {
    writeNew(temp, text);
    linkSync(temp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Gone already.
    }
  }
  try {
    writeNew(path, text);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/** Create `path` (O_EXCL, no links followed) holding `text`; throws EEXIST when it exists. */
function writeNew(path: string, text: string): void {
  const fd = createAppendOnly(path);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** True while the lock file still names `me`. */
export function holdsLock(dir: string, me: LockHolder = self()): boolean {
  try {
    const holder = readHolder(join(dir, LOCK_NAME));
    return same(holder, me);
  } catch {
    return false;
  }
}

/** Remove the lock if it is still ours. */
export function releaseLock(dir: string, me: LockHolder = self()): void {
  if (!holdsLock(dir, me)) return;
  try {
    unlinkSync(join(dir, LOCK_NAME));
  } catch {
    // Gone already.
  }
}
