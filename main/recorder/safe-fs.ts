/**
 * The state folder is the user's, but anything may have been planted in it: a symlink to a file of
 * someone else, a FIFO that would block a reader forever, a file of several GiB, a file owned by
 * another user. Every open here is O_NOFOLLOW (a symlink fails with ELOOP instead of being followed)
 * and O_NONBLOCK (a FIFO cannot stall us), then fstat checks it is a regular file of ours of a sane
 * size. A refusal is a RecorderRefusal: a sentence a person can act on, with a code.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Why the recorder would not use something in its folder. */
export type RefusalCode = 'HOSTILE_FILE' | 'HOSTILE_FOLDER' | 'TOO_LARGE' | 'NO_FOLDER';

/** A plain-words refusal with a code; the message says what to do. */
export class RecorderRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecorderRefusal';
  }
}

/** `$XDG_STATE_HOME/headroom`, else `~/.local/state/headroom` (a relative XDG_STATE_HOME is ignored, as the spec says). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'headroom');
}

function myUid(): number {
  return process.getuid?.() ?? 0;
}

/** The errno name of an error, or 'error'. */
export function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? 'error';
}

/**
 * Make the folder (0700) if missing and check it is a real folder of ours that nobody else may write;
 * throws RecorderRefusal otherwise (or the errno error for a full or read-only disk).
 */
export function ensureStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // A full or read-only disk is a failure to report and retry, not a refusal.
    if (['EROFS', 'ENOSPC', 'EDQUOT', 'EIO'].includes(errnoCode(err))) throw err;
    if (errnoCode(err) !== 'EEXIST') {
      throw new RecorderRefusal('NO_FOLDER', `Cannot create the history folder ${dir} (${errnoCode(err)}); history is not recorded. Check that its parent exists and is writable.`);
    }
  }
  checkStateDir(dir);
}

/** Check, without creating anything, that `dir` is a real folder of ours nobody else may write; throws RecorderRefusal. */
export function checkStateDir(dir: string): void {
  const info = lstatSync(dir);
  if (info.isSymbolicLink()) throw new RecorderRefusal('HOSTILE_FOLDER', `The history folder ${dir} is a symbolic link; it is not followed. Remove the link so Headroom can make a real folder.`);
  if (!info.isDirectory()) throw new RecorderRefusal('HOSTILE_FOLDER', `${dir} is not a folder; history is not recorded. Move it away so Headroom can make the folder.`);
  if (info.uid !== myUid()) throw new RecorderRefusal('HOSTILE_FOLDER', `The history folder ${dir} belongs to uid ${info.uid}, not to you; it is not used. Remove it or set XDG_STATE_HOME.`);
  if ((info.mode & 0o022) !== 0) throw new RecorderRefusal('HOSTILE_FOLDER', `The history folder ${dir} is writable by others (mode ${(info.mode & 0o777).toString(8)}); it is not used. Run chmod 700 on it.`);
}

/**
 * Open a file of the store for reading, refusing symlinks, FIFOs and devices, files of other users and
 * files over `maxBytes`. Returns the fd and size; the caller closes the fd.
 */
export function openStoreFile(path: string, maxBytes: number): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoCode(err) === 'ELOOP') throw new RecorderRefusal('HOSTILE_FILE', `${path} is a symbolic link; it is not followed. Remove it.`);
    throw err;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new RecorderRefusal('HOSTILE_FILE', `${path} is not a regular file (a FIFO, device or folder); it is skipped. Remove it.`);
    if (info.uid !== myUid()) throw new RecorderRefusal('HOSTILE_FILE', `${path} belongs to uid ${info.uid}, not to you; it is skipped. Remove it.`);
    if (info.size > maxBytes) throw new RecorderRefusal('TOO_LARGE', `${path} is ${info.size} bytes, more than a history file can be (${maxBytes}); it is skipped. Remove it.`);
    return { fd, size: info.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Read a whole store file (checked as in openStoreFile). */
export function readStoreFile(path: string, maxBytes: number): Buffer {
  const { fd, size } = openStoreFile(path, maxBytes);
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Create a new file of ours for appending: never an existing one, never through a symlink. */
export function createAppendOnly(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
}

/** lstat without following, or null when the path is gone. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
