/**
 * Turns the wire's snapshot stream (one full `snapshot`, then `snapshotDelta`s) back into full
 * snapshots, so the window subscribes to `snapshot` exactly as before and never sees a delta.
 *
 * The design in one screen:
 * - One base (the last snapshot rebuilt) for the whole page, however many `snapshot` listeners.
 * - A full snapshot replaces the base. A delta whose `baseSeq` is the base's seq is applied
 *   (contract/delta.ts: unchanged rows keep their object, so the table can skip them). A delta
 *   older than the base is dropped. Anything else — no base yet, a gap, a delta that does not fit
 *   — asks main for a full snapshot (`getSnapshot`, the resync) and holds the deltas that arrive
 *   meanwhile (at most MAX_HELD, oldest dropped), then applies those that follow the new base.
 * - A dropped WebSocket forgets the base: the server sends a full snapshot on connect.
 * - Payloads are not schema-checked here (main built them; a full zod parse of 2,000 rows would
 *   cost more than the update). A malformed delta throws while applying, which is a resync too.
 */
import { applyDelta, type SnapshotDelta } from '../../contract/delta';
import type { CallParams, CallResult, EventData, HeadroomClient } from '../../contract/api';
import type { CallName, EventName } from '../../contract/channels';
import type { Snapshot } from '../../contract/snapshot';
import type { Connection } from './connection';

const MAX_HELD = 16;

/** `inner` with its `snapshot` event rebuilt from full snapshots and deltas; everything else passes through. */
export function withSnapshotDeltas(inner: HeadroomClient, connection?: Connection): HeadroomClient {
  const listeners = new Set<(s: Snapshot) => void>();
  let base: Snapshot | null = null;
  let emitted: Snapshot | null = null;
  let held: SnapshotDelta[] = [];
  let resyncing = false;
  let started = false;

  const emit = (s: Snapshot) => {
    // A resync can return the snapshot already shown; the window must not count it twice.
    if (emitted !== null && (emitted === s || (emitted.seq === s.seq && emitted.time === s.time))) return;
    emitted = s;
    for (const l of [...listeners]) l(s);
  };

  /** Apply the held deltas that follow the base, in order; stop at a gap (the next delta resyncs). */
  const drain = () => {
    const pending = held.sort((a, b) => a.seq - b.seq);
    held = [];
    for (const d of pending) {
      if (base === null || d.seq <= base.seq) continue;
      if (d.baseSeq !== base.seq) break;
      try {
        base = applyDelta(base, d);
      } catch {
        base = null;
        return;
      }
    }
  };

  const resync = () => {
    if (resyncing) return;
    resyncing = true;
    inner.call('getSnapshot', {}).then(
      (s) => {
        resyncing = false;
        if (s !== null && (base === null || s.seq >= base.seq)) base = s;
        drain();
        if (base !== null) emit(base);
      },
      () => {
        // Main did not answer (link down): the next delta, or the full snapshot on reconnect, tries again.
        resyncing = false;
      },
    );
  };

  const onFull = (s: Snapshot) => {
    base = s;
    held = [];
    emit(s);
  };

  const onDelta = (d: SnapshotDelta) => {
    if (resyncing || base === null) {
      held.push(d);
      if (held.length > MAX_HELD) held.shift();
      resync();
      return;
    }
    if (d.seq <= base.seq) return;
    if (d.baseSeq !== base.seq) {
      held.push(d);
      resync();
      return;
    }
    try {
      base = applyDelta(base, d);
    } catch {
      base = null;
      resync();
      return;
    }
    emit(base);
  };

  const start = () => {
    started = true;
    const forever = new AbortController().signal;
    inner.subscribe('snapshot', onFull, forever);
    inner.subscribe('snapshotDelta', onDelta, forever);
  };

  connection?.onChange((state) => {
    if (state !== 'open') {
      base = null;
      held = [];
    }
  });

  return {
    call<K extends CallName>(name: K, params: CallParams<K>): Promise<CallResult<K>> {
      return inner.call(name, params);
    },
    subscribe<E extends EventName>(event: E, listener: (data: EventData<E>) => void, signal: AbortSignal): void {
      if (event !== 'snapshot') {
        inner.subscribe(event, listener, signal);
        return;
      }
      if (signal.aborted) return;
      const l = listener as (s: Snapshot) => void;
      listeners.add(l);
      if (!started) start();
      // The inner subscription stays for the page's life: the base survives a re-subscribe.
      signal.addEventListener('abort', () => listeners.delete(l), { once: true });
    },
  };
}
