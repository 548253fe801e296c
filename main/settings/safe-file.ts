/**
 * File handling for the settings file that does not trust the folder it lives in.
 *
 * Reading: `open(O_RDONLY|O_NONBLOCK|O_NOFOLLOW)` so a FIFO cannot block the start and a link cannot
 * send us to /dev/zero or someone else's file; `fstat` on the open descriptor must say "regular
 * file" (no race between checking and reading); at most 1 MiB is read, however long the file claims
 * or turns out to be.
 *
 * Writing: a temp file with a random name, created with `O_CREAT|O_EXCL|O_NOFOLLOW` mode 0600 — a
 * link or file planted at any name cannot be followed or reused — then fsync and rename over the
 * real name (rename replaces a link itself, never its target). Before writing, the folder and any
 * existing file must belong to us and not be writable by group or others; otherwise someone else
 * could swap them under us, so nothing is written and the caller says so.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';

/** Real settings are a few hundred bytes; anything this big is not ours and is not read into memory. */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** A refusal that needs no errno: the file is not something we read or write. */
export class UnsafeFile extends Error {}

/** What identifies one version of a file: a replaced or rewritten file changes at least one of these. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** The identity of a stat result. */
export function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

/** True when two identities name the same version of the same file. */
export function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function euid(): number {
  return process.geteuid?.() ?? -1;
}

/** Why `st` (the folder or the file) must not be trusted, in words, or null when it is ours alone. */
export function foreignOwnership(st: Stats, what: string): string | null {
  if (st.uid !== euid()) return `${what} belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0) return `${what} can be written by ${(st.mode & 0o002) !== 0 ? 'anyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

/**
 * Read a regular file of at most MAX_SETTINGS_BYTES without following a link or blocking on a FIFO.
 * Throws the errno error (ENOENT, ELOOP for a link, …), or UnsafeFile for a non-regular or huge file.
 * Returns the text and the identity of what was read.
 */
export function readRegularFile(path: string): { text: string; identity: FileIdentity; stat: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFile(`it is not a regular file (${kindOf(st)})`);
    if (st.size > MAX_SETTINGS_BYTES) throw new UnsafeFile(`it is ${st.size} bytes, far larger than any settings file`);
    // Read to the limit plus one byte: a file that grows while we read is still cut off.
    const buffer = Buffer.alloc(MAX_SETTINGS_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_SETTINGS_BYTES) throw new UnsafeFile(`it holds more than ${MAX_SETTINGS_BYTES} bytes, far more than any settings file`);
    }
    return { text: buffer.subarray(0, length).toString('utf8'), identity: identityOf(st), stat: st };
  } finally {
    closeSync(fd);
  }
}

/** The kind of a non-regular file, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a plain file';
}

/**
 * Why `dir` and the file at `path` may not be written (we do not own them, others may write them,
 * the file is a link or not a regular file), or null when writing is safe. `lstat` on the file: a
 * link is refused rather than followed.
 */
export function writeRefusal(dir: string, path: string): string | null {
  const dirProblem = foreignOwnership(statSync(dir), `the settings folder ${dir}`);
  if (dirProblem) return dirProblem;
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (st.isSymbolicLink()) return `${path} is a symbolic link, and Headroom does not write through links`;
  if (!st.isFile()) return `${path} is ${kindOf(st)}`;
  return foreignOwnership(st, path);
}

/** The current identity of the file at `path` without following a link; null when there is none. */
export function currentIdentity(path: string): FileIdentity | null {
  try {
    return identityOf(lstatSync(path));
  } catch {
    return null;
  }
}

/**
 * Write `text` to `path` atomically: random temp name in `dir`, O_EXCL|O_NOFOLLOW 0600, fsync,
 * rename, fsync of the folder. `beforeRename` runs once the temp file is written and synced (its
 * throw fails the write). Returns the identity of the new file. Throws the errno error; the temp file
 * is removed on failure.
 */
export function writeAtomically(dir: string, path: string, text: string, beforeRename?: () => void): FileIdentity {
  const temp = join(dir, `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let identity: FileIdentity;
  try {
    try {
      const bytes = Buffer.from(text);
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
      identity = identityOf(fstatSync(fd));
    } finally {
      closeSync(fd);
    }
    // Only once the new file is safely written may the caller move the old one (a full disk fails
    // above, before anything was moved).
    beforeRename?.();
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never fully created: nothing else to clean.
    }
    throw err;
  }
  fsyncDir(dir);
  return identity;
}

/** fsync the directory so the rename itself survives a crash; best effort (some filesystems refuse). */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not all filesystems allow fsync on a directory; the data itself is already synced.
  }
}
