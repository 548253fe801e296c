/**
 * The writer's side of the store: append-only segment files, one pair per hour of record time
 *
 *   seg-<first record time, 13 digits>-<pid>-<n>.sys    header, system records, event records
 *   seg-<same stem>.apps                                 header, appDef records, apps records
 *
 * A new pair is opened on the first tick after start, every hour (by record time), when a pair
 * reaches its size cap, and after any failed write — never appending to a file that may end in a torn
 * record. Appends are one small writeSync each (page cache, tens of µs; a tick is ~120 B + ~300 B),
 * and an fsync runs on libuv's thread pool every FSYNC_MS, so a kill -9 or power loss costs at most
 * those seconds and the main thread does not wait for the disk (a rotation's fsync and the folder's
 * run there too; only close() — shutdown, a failed write — syncs on this thread). An fsync that
 * fails on the pool is thrown by the next write. A short write (disk full) throws like
 * any failed write; the recorder reports it and this writer starts a fresh pair on the next success.
 * A pair that fails before holding a record is deleted, so a full disk retried every few seconds
 * does not fill the folder with empty files.
 *
 * Only ticks open a pair, and an event goes into the open pair only when its time lies in that pair's
 * hour. A reader finds a tick segment by its window (its start up to the next tick segment's start),
 * so an event stamped earlier (a reap's recovery saved up to 30 s later, an OOM kill named a few ticks
 * late, both possibly across a rotation) goes into an events-only file of its own named after its
 * time, as a follower's reaps do (segments.ts): it is found by every reader, old ones included, and no
 * tick segment's window moves. Such files are rare (an event near a rotation) and ~200 B each.
 */
import { close, closeSync, constants, fstatSync, fsync, fsyncSync, open, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent } from '../../contract/record';
import type { AppInfo, Snapshot } from '../../contract/snapshot';
import { appsToRecord, encodeAppsRaw, encodeAppsRecord, encodeSystem, KEYFRAME_EVERY, type AppDef } from './codec';
import { frame, RecordType, type RecordTypeValue } from './frame';
import { createAppendOnly } from './safe-fs';
import { listSegments } from './segments';
import { nextSequence } from './sequence';

export const SEGMENT_MAX_MS = 3600_000;
export const FSYNC_MS = 2000;
export const STORE_FORMAT = 1;

interface OpenFile {
  fd: number;
  path: string;
  bytes: number;
  dirty: boolean;
  /** fsyncs running on the thread pool; the fd is closed only once they are done. */
  syncing: number;
  /** Close the fd when the last running fsync is done. */
  closing: boolean;
}

function segmentHeader(time: number): Buffer {
  return Buffer.from(JSON.stringify({ format: STORE_FORMAT, pid: process.pid, startTime: time }), 'utf8');
}

function shortWrite(path: string, n: number, length: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`short write to ${path} (${n} of ${length} bytes): the disk is probably full`);
  err.code = 'ENOSPC';
  return err;
}

/** The file name stem of a segment pair. */
export function segmentStem(time: number, pid: number, n: number): string {
  return `seg-${String(Math.max(0, Math.floor(time))).padStart(13, '0')}-${pid}-${n}`;
}

/** Appends ticks and events to the current segment pair. */
export class StoreWriter {
  private sys: OpenFile | null = null;
  private apps: OpenFile | null = null;
  private segmentStart = 0;
  /** Whether the open pair holds any record besides its headers (else a failed write deletes it). */
  private pairHasRecords = false;
  /** The next segment's number: one past the highest in the folder (sequence.ts), found when the first pair is opened. */
  private counter = -1;
  private previousRaw: Buffer | null = null;
  private sinceKeyframe = 0;
  private defs = new Map<string, number>();
  private fsyncTimer: NodeJS.Timeout | null = null;
  /** An open file was found unlinked (its folder removed, say): the next write throws ENOENT. */
  private removed = false;
  /** A pool fsync failed (EIO, ENOSPC on writeback): the next write throws it, so the status says so. */
  private syncError: NodeJS.ErrnoException | null = null;
  private totalWritten = 0;

  constructor(
    private readonly dir: string,
    /** Rotate when a pair reaches this many bytes. */
    private segmentMaxBytes: number,
    /** Only events (a follower keeps its own reaps in its own small files). */
    private readonly eventsOnly = false,
  ) {}

  /** Bytes appended since this writer was made. */
  get written(): number {
    return this.totalWritten;
  }

  /** The stem of the segment being written, or null. */
  get currentStem(): string | null {
    return this.sys ? this.sys.path.slice(this.dir.length + 1, -'.sys'.length) : null;
  }

  setSegmentMaxBytes(bytes: number): void {
    this.segmentMaxBytes = bytes;
  }

  private nextNumber(): number {
    if (this.counter < 0) this.counter = nextSequence(listSegments(this.dir).segments);
    return this.counter++;
  }

  /** Append one tick: its system figures and the apps worth keeping. Returns true when a new pair was opened. */
  writeTick(s: Snapshot): boolean {
    this.throwIfFailedMeanwhile();
    const rotated = this.ensureOpen(s.time);
    try {
      this.append(this.sys!, RecordType.system, encodeSystem(s));
      if (this.eventsOnly) return rotated;
      const rows: { def: number; app: AppInfo }[] = [];
      for (const app of appsToRecord(s.apps)) rows.push({ def: this.defFor(app), app });
      const raw = encodeAppsRaw(rows);
      const keyframe = this.previousRaw === null || this.sinceKeyframe >= KEYFRAME_EVERY - 1;
      this.append(this.apps!, RecordType.apps, encodeAppsRecord(s.time, raw, keyframe ? null : this.previousRaw));
      this.sinceKeyframe = keyframe ? 0 : this.sinceKeyframe + 1;
      this.previousRaw = raw;
      return rotated;
    } catch (err) {
      this.discardIfEmpty();
      throw err;
    }
  }

  /** Append one event (a marker, maybe with its victim): to the open pair when it falls in its hour, else to a file of its own. */
  writeEvent(event: RecordedEvent): void {
    this.throwIfFailedMeanwhile();
    const payload = Buffer.from(JSON.stringify(event), 'utf8');
    const inOpenPair = this.sys !== null && event.time >= this.segmentStart && event.time - this.segmentStart < SEGMENT_MAX_MS;
    if (!this.eventsOnly && !inOpenPair) {
      this.writeEventFile(event.time, payload);
      return;
    }
    this.ensureOpen(event.time);
    try {
      this.append(this.sys!, RecordType.event, payload);
    } catch (err) {
      this.discardIfEmpty();
      throw err;
    }
  }

  /**
   * Close the files after an fsync on this thread (at shutdown and after a failure: what was written
   * must be on disk when this returns), so the next write starts a fresh pair. A file whose fsync is
   * still running on the pool is closed when that is done, never under it.
   */
  close(): void {
    if (this.fsyncTimer) clearTimeout(this.fsyncTimer);
    this.fsyncTimer = null;
    for (const f of [this.sys, this.apps]) {
      if (!f) continue;
      try {
        if (f.dirty || f.syncing > 0) fsyncSync(f.fd);
      } catch {
        // A failing disk: what reached it is what there is.
      }
      if (f.syncing > 0) {
        f.closing = true;
        continue;
      }
      try {
        closeSync(f.fd);
      } catch {
        // Closing a file on a vanished disk can fail; nothing more to do.
      }
    }
    this.sys = null;
    this.apps = null;
    this.previousRaw = null;
    this.defs.clear();
  }

  private defFor(app: AppInfo): number {
    const key = `${app.id}\u0000${app.name}\u0000${app.user}`;
    let i = this.defs.get(key);
    if (i !== undefined) return i;
    i = this.defs.size;
    const def: AppDef = { i, id: app.id, name: app.name, kind: app.kind, cgroup: app.cgroup, user: app.user };
    this.append(this.apps!, RecordType.appDef, Buffer.from(JSON.stringify(def), 'utf8'));
    this.defs.set(key, i);
    return i;
  }

  private ensureOpen(time: number): boolean {
    if (this.sys && (this.eventsOnly || this.apps)) {
      const size = this.sys.bytes + (this.apps?.bytes ?? 0);
      if (time >= this.segmentStart && time - this.segmentStart < SEGMENT_MAX_MS && size < this.segmentMaxBytes) return false;
      this.rotateOut();
    }
    const stem = segmentStem(time, process.pid, this.nextNumber());
    const header = segmentHeader(time);
    this.segmentStart = time;
    this.previousRaw = null;
    this.defs.clear();
    this.pairHasRecords = false;
    this.syncFolderOnPool();
    try {
      const sysPath = join(this.dir, `${stem}.sys`);
      this.sys = { fd: createAppendOnly(sysPath), path: sysPath, bytes: 0, dirty: false, syncing: 0, closing: false };
      this.append(this.sys, RecordType.header, header);
      if (!this.eventsOnly) {
        const appsPath = join(this.dir, `${stem}.apps`);
        this.apps = { fd: createAppendOnly(appsPath), path: appsPath, bytes: 0, dirty: false, syncing: 0, closing: false };
        this.append(this.apps, RecordType.header, header);
      }
    } catch (err) {
      this.discardIfEmpty();
      throw err;
    }
    return true;
  }

  /** After a failed write: a pair that holds no record yet (only headers, or less) is closed and deleted. */
  private discardIfEmpty(): void {
    if (this.pairHasRecords) return;
    const files = [this.sys, this.apps];
    this.sys = null;
    this.apps = null;
    for (const f of files) {
      if (!f) continue;
      try {
        closeSync(f.fd);
      } catch {
        // A vanished disk: the unlink below is all that is left to try.
      }
      try {
        unlinkSync(f.path);
      } catch {
        // Already gone, or the disk refuses even that: a reader skips a file without records.
      }
    }
  }

  /** One event in an events-only file of its own, named after its time; the file is deleted again if the write fails. */
  private writeEventFile(time: number, payload: Buffer): void {
    const path = join(this.dir, `${segmentStem(time, process.pid, this.nextNumber())}.sys`);
    const bytes = Buffer.concat([frame(RecordType.header, segmentHeader(time)), frame(RecordType.event, payload)]);
    const fd = createAppendOnly(path);
    try {
      const n = writeSync(fd, bytes);
      this.totalWritten += n;
      if (n !== bytes.length) throw shortWrite(path, n, bytes.length);
    } catch (err) {
      closeSync(fd);
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
      throw err;
    }
    // As for the pair's appends: the disk is waited for on the thread pool, not here.
    fsync(fd, () => close(fd, () => {}));
  }

  private append(file: OpenFile, type: RecordTypeValue, payload: Buffer): void {
    const bytes = frame(type, payload);
    const n = writeSync(file.fd, bytes);
    file.bytes += n;
    this.totalWritten += n;
    if (n !== bytes.length) throw shortWrite(file.path, n, bytes.length);
    file.dirty = true;
    if (type !== RecordType.header) this.pairHasRecords = true;
    this.scheduleFsync();
  }

  /**
   * What went wrong between writes, thrown by the next one so the recorder says so: an fsync that
   * failed on the pool (EIO), or files removed with their folder. Writes to a file whose folder was
   * removed go nowhere and fail no call: the fsync round checks the open files' link counts (it had
   * written into the void until its next lock check, up to a minute: found by review).
   */
  private throwIfFailedMeanwhile(): void {
    if (this.syncError) {
      const err = this.syncError;
      this.syncError = null;
      this.close();
      throw err;
    }
    if (!this.removed) return;
    this.removed = false;
    this.close();
    throw Object.assign(new Error(`the history files in ${this.dir} were removed while being written`), { code: 'ENOENT' });
  }

  /**
   * The files of the pair being left at a rotation: synced on the thread pool and closed after, so
   * this thread does not wait for the disk (ensureOpen resets the rest for the new pair).
   */
  private rotateOut(): void {
    for (const f of [this.sys, this.apps]) {
      if (!f) continue;
      f.closing = true;
      this.syncOnPool(f);
    }
    this.sys = null;
    this.apps = null;
  }

  /**
   * fsync the folder on the thread pool once the new pair's names are in it, so a power cut keeps the
   * names of files whose data the fsync rounds keep. Best effort: some file systems refuse it.
   */
  private syncFolderOnPool(): void {
    setImmediate(() =>
      open(this.dir, constants.O_RDONLY | constants.O_DIRECTORY, (err, fd) => {
        if (err) return;
        fsync(fd, () => close(fd, () => {}));
      }),
    );
  }

  /** fsync `f` on the thread pool; its failure is kept for the next write to throw; a closing file is closed after. */
  private syncOnPool(f: OpenFile): void {
    f.dirty = false;
    f.syncing++;
    fsync(f.fd, (err) => {
      f.syncing--;
      if (err) this.syncError ??= err;
      if (f.closing && f.syncing === 0) close(f.fd, () => {});
    });
  }

  private scheduleFsync(): void {
    if (this.fsyncTimer) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = null;
      for (const f of [this.sys, this.apps]) {
        if (!f) continue;
        try {
          if (fstatSync(f.fd).nlink === 0) this.removed = true;
        } catch {
          // The next write reports what is wrong.
        }
        if (!f.dirty) continue;
        // On the thread pool: the main thread never waits for the disk. A failure shows up in the next write.
        this.syncOnPool(f);
      }
    }, FSYNC_MS);
    this.fsyncTimer.unref();
  }
}
