/**
 * The flight recorder: what the service feeds every tick and every marker, and asks for history.
 *
 * Start: make/check the folder (safe-fs.ts), then take the per-user writer lock (lock.ts) or follow.
 * - Writer (`recording`): every tick's system figures and chosen apps go to the segment files
 *   (store-writer.ts), every marker too; retention runs at start, at each rotation and every few
 *   minutes (retention.ts). A failed write (disk full, read-only, I/O error) closes the segment,
 *   turns the state to `failing` with one sentence, and is retried every RETRY_MS; sampling never stops.
 * - Follower: another Headroom process writes; this one reads the same store for history, records only
 *   the reaps it made itself (into its own small event files), and tries for the lock every RETRY_MS so
 *   it takes over when the writer exits.
 * Kills by others (kills/) are noticed in every process (so each window can mark them live) and
 * recorded by the writer only, so each kill is stored once.
 */
import type { History, ReapMarker } from '../../contract/history';
import type { HistoryQuery, Killer, RecorderStatus } from '../../contract/recorder';
import type { RecordedEvent } from '../../contract/record';
import type { Snapshot } from '../../contract/snapshot';
import { downsampleWorst } from './downsample';
import { detectKillers } from './kills/killers';
import { markerForOomdLine, startOomdMonitor, type OomdMonitor } from './kills/oomd-monitor';
import { OomWatcher } from './kills/oom-watcher';
import { acquireLock, holdsLock, releaseLock, self, type LockHolder } from './lock';
import { applyRetention } from './retention';
import { RetentionClock } from './retention-clock';
import { checkStateDir, defaultStateDir, ensureStateDir, errnoCode, RecorderRefusal } from './safe-fs';
import { readPointsWorst } from './store-reader';
import { warmCache } from './sys-cache';
import { StoreWriter } from './store-writer';

const RETRY_MS = 10_000;
const SCAN_EVERY_TICKS = 60;
const RETENTION_EVERY_TICKS = 300;
const DEFAULT_RANGE_MS = 10 * 60_000;
const DEFAULT_MAX_POINTS = 2000;

/** What the service drives. */
export interface Recorder {
  /** Take the lock (or follow), open the kernel log, look for other killers. */
  start(): void;
  /** Feed one tick (record it when writing; notice kills). */
  tick(snapshot: Snapshot): void;
  /** Record a marker the service added or updated (reaps, guard events, kills). */
  event(marker: ReapMarker | RecordedEvent): void;
  /** The history for a query: a range from the store, or `memory` itself when the query asks for no range. */
  history(query: HistoryQuery, memory: History): History;
  status(): RecorderStatus;
  /** Other memory killers on this machine. */
  killers(): Killer[];
  /** Listen to kills by others (kernel OOM, systemd-oomd) as markers; returns the unsubscribe. */
  onKill(listener: (event: RecordedEvent) => void): () => void;
  /** Apply retention settings. */
  setLimits(retentionHours: number, maxMiB: number): void;
  /** Release the lock and close files. */
  close(): void;
}

export interface RecorderOptions {
  /** The store's folder (default: $XDG_STATE_HOME/headroom). */
  dir?: string;
  retentionHours?: number;
  maxMiB?: number;
  kmsgPath?: string;
  /** How long to wait before trying again after a failed write or as a follower (default 10 s). */
  retryMs?: number;
  /** Where to say things once (default stderr). */
  log?: (line: string) => void;
}

/** Plain words for a failed write. */
export function failureMessage(dir: string, err: unknown): string {
  const code = errnoCode(err);
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `the disk holding ${dir} is full (${code})`
      : code === 'EROFS'
        ? `${dir} is on a read-only file system (EROFS)`
        : code === 'EACCES' || code === 'EPERM'
          ? `writing to ${dir} is not allowed (${code})`
          : `writing to ${dir} failed (${code}: ${err instanceof Error ? err.message : String(err)})`;
  return `History is not being recorded: ${why}. Sampling goes on; recording resumes by itself once writing works again.`;
}

/** The recorder for this process; call start(). */
export function createRecorder(options: RecorderOptions = {}): Recorder {
  const dir = options.dir ?? defaultStateDir();
  const log = options.log ?? ((line: string) => process.stderr.write(`headroom: ${line}\n`));
  let retentionMs = (options.retentionHours ?? 24) * 3600_000;
  let maxBytes = (options.maxMiB ?? 64) * 1024 * 1024;
  const me: LockHolder = self();
  const retryMs = options.retryMs ?? RETRY_MS;
  const watcher = new OomWatcher(options.kmsgPath);
  const killListeners = new Set<(e: RecordedEvent) => void>();
  let state: RecorderStatus['state'] = 'off';
  let message: string | null = 'The recorder has not started.';
  let writer: StoreWriter | null = null;
  let role: 'writer' | 'follower' | null = null;
  let nextTryAt = 0;
  let ticks = 0;
  let scanned = { bytes: 0, oldestTime: null as number | null };
  let killers: Killer[] = [];
  let oomd: OomdMonitor | null = null;
  let latest: Snapshot | null = null;
  let started = false;
  let closed = false;
  let stopWarming = (): void => {};

  const retentionClock = new RetentionClock();
  const segmentCap = (): number => Math.max(256 * 1024, Math.floor(maxBytes / 16));

  function fail(err: unknown): void {
    writer?.close();
    if (err instanceof RecorderRefusal) {
      state = 'off';
      message = err.message;
    } else {
      const text = failureMessage(dir, err);
      if (state !== 'failing' || message !== text) log(text);
      state = 'failing';
      message = text;
    }
    // A removed folder (ENOENT) is made again at once; other failures are retried after a while.
    nextTryAt = Date.now() + (errnoCode(err) === 'ENOENT' ? 0 : retryMs);
  }

  function retention(wall: number): void {
    const result = applyRetention(dir, retentionClock.now(wall), retentionMs, maxBytes, writer?.currentStem ?? null);
    scanned = { bytes: result.bytesAfter, oldestTime: result.oldestTime };
  }

  /** Become the writer or a follower; errors leave `failing`/`off` and a retry time. */
  function settle(): void {
    if (closed) return;
    try {
      ensureStateDir(dir);
      const holder = acquireLock(dir, me);
      if (holder === null) {
        if (role !== 'writer') {
          writer?.close();
          writer = new StoreWriter(dir, segmentCap());
        }
        role = 'writer';
        // After a failure the state turns back to recording only once a write succeeds (tick()).
        if (state !== 'failing') {
          state = 'recording';
          message = null;
        }
        retention(latest?.time ?? Date.now());
      } else {
        if (role !== 'follower') {
          writer?.close();
          writer = new StoreWriter(dir, segmentCap(), true);
        }
        role = 'follower';
        state = 'follower';
        message = `Another Headroom${holder.pid > 0 ? ` (PID ${holder.pid})` : ''} is recording the history; this one reads it.`;
        nextTryAt = Date.now() + retryMs;
      }
    } catch (err) {
      fail(err);
    }
  }

  function refreshKillers(snapshot: Snapshot): void {
    killers = detectKillers(snapshot.processes);
    const oomdRunning = killers.some((k) => k.name === 'systemd-oomd' && k.running);
    if (oomdRunning && !oomd) {
      oomd = startOomdMonitor(
        (line) => {
          const marker = markerForOomdLine(line, Date.now(), latest?.memory.availableBytes ?? 0);
          if (marker) for (const l of killListeners) l(marker);
        },
        (reason) => {
          log(reason);
          oomd = null;
        },
      );
    } else if (!oomdRunning && oomd) {
      oomd.stop();
      oomd = null;
    }
  }

  return {
    start() {
      if (started || closed) return;
      started = true;
      watcher.start();
      if (watcher.note) log(watcher.note);
      settle();
      // Check and index what is on disk in the background, so the window's first 24 h query is warm.
      if (state !== 'off') stopWarming = warmCache(dir);
    },
    tick(snapshot) {
      if (!started || closed) return;
      latest = snapshot;
      ticks++;
      if (ticks === 1 || ticks % SCAN_EVERY_TICKS === 0) refreshKillers(snapshot);
      for (const kill of watcher.tick(snapshot)) for (const l of killListeners) l(kill);
      if (role !== 'writer' || state !== 'recording') {
        if (Date.now() < nextTryAt) return;
        settle();
        if (role !== 'writer' || state === 'off') return;
      }
      try {
        const rotated = writer!.writeTick(snapshot);
        if (state === 'failing') {
          state = 'recording';
          message = null;
          log(`history is being recorded again in ${dir}.`);
        }
        if (rotated || ticks % SCAN_EVERY_TICKS === 0) {
          if (!holdsLock(dir, me)) {
            writer!.close();
            role = null;
            settle();
            return;
          }
        }
        if (rotated || ticks % RETENTION_EVERY_TICKS === 0) retention(snapshot.time);
        else if (ticks % SCAN_EVERY_TICKS === 0) retention(snapshot.time);
      } catch (err) {
        fail(err);
      }
    },
    event(marker) {
      if (!started || closed || !writer) return;
      // A follower stores only what it did itself; the writer stores everything (kills once, guard once).
      if (role === 'follower' && marker.kind !== 'reap' && marker.kind !== 'auto-reap') return;
      if (state === 'failing' || state === 'off') return;
      const event: RecordedEvent = { ...marker, victim: 'victim' in marker ? (marker.victim ?? null) : null };
      try {
        writer.writeEvent(event);
      } catch (err) {
        fail(err);
      }
    },
    history(query, memory) {
      if (query.sinceMs === undefined && query.fromTime === undefined && query.toTime === undefined) return memory;
      const to = query.toTime ?? Date.now();
      const from = query.fromTime ?? to - (query.sinceMs ?? DEFAULT_RANGE_MS);
      const maxPoints = query.maxPoints ?? DEFAULT_MAX_POINTS;
      let points = memory.points.filter((p) => p.t >= from && p.t <= to);
      const events = new Map<string, ReapMarker>();
      {
        try {
          checkStateDir(dir);
          // The store has everything recorded; this process's points are added where it has nothing
          // (a stretch while writing failed, ticks newer than its last write, another writer gone).
          const read = readPointsWorst(dir, { from, to }, maxPoints, { points, intervalMs: memory.intervalMs });
          points = read.unstored.length === 0 ? read.items : read.items.concat(read.unstored).sort((a, b) => a.t - b.t);
          for (const e of read.events) events.set(`${e.time}|${e.kind}|${e.label}`, e);
        } catch (err) {
          if (!(err instanceof RecorderRefusal) && errnoCode(err) !== 'ENOENT') log(`history could not be read (${errnoCode(err)}); the window shows what is in memory.`);
        }
      }
      for (const m of memory.markers) if (m.time >= from && m.time <= to) events.set(`${m.time}|${m.kind}|${m.label}`, m);
      return {
        intervalMs: memory.intervalMs,
        points: downsampleWorst(points, from, to, maxPoints),
        markers: [...events.values()].sort((a, b) => a.time - b.time),
      };
    },
    status() {
      return { state, path: dir, bytes: scanned.bytes, oldestTime: scanned.oldestTime, message };
    },
    killers: () => killers,
    onKill(listener) {
      killListeners.add(listener);
      return () => killListeners.delete(listener);
    },
    setLimits(retentionHours, maxMiB) {
      retentionMs = retentionHours * 3600_000;
      maxBytes = maxMiB * 1024 * 1024;
      writer?.setSegmentMaxBytes(segmentCap());
    },
    close() {
      if (closed) return;
      closed = true;
      stopWarming();
      writer?.close();
      if (role === 'writer') releaseLock(dir, me);
      watcher.stop();
      oomd?.stop();
      killListeners.clear();
    },
  };
}
