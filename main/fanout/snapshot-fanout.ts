/**
 * Snapshots to windows as deltas: each window gets one full snapshot, then per tick only what
 * changed (contract/delta.ts). Both transports use it: browser mode (one receiver per WebSocket)
 * and Electron IPC (one receiver per webContents).
 *
 * The design in one screen:
 * - The fan-out keeps the last two snapshots the service emitted (`prev`, `current`) and, for each
 *   receiver, a reference to the snapshot that receiver was last sent (`base`). A receiver whose
 *   base is exactly `prev` gets the delta prev → current; anyone else (new, skipped, forgotten)
 *   gets the full current snapshot. So a delta is never sent against a base the receiver does not
 *   have: the check is object identity, not a seq number that a restarted sampler could repeat.
 * - Each tick serialises at most one delta and one full snapshot, however many receivers there
 *   are; both are computed only when some receiver needs them.
 * - A receiver that is behind (its transport's queue over a bound) is skipped for the tick and
 *   forgotten (`skip`), so it gets a full snapshot when it catches up. The queue stays bounded by
 *   the bound plus one message; the window never sees a gap it has to guess across.
 * - Measured at 2,000 idle processes (docs/BENCHMARKS.md, "Window (deltas)"): the delta is a few
 *   KB against ≈ 560 KB of full snapshot, and diffing costs well under a millisecond.
 */
import type { SnapshotDelta } from '../../contract/delta';
import type { Snapshot } from '../../contract/snapshot';
import { lazyModule } from '../lazy-module';

// contract/delta.ts carries the window's schemas (zod): loaded with the first receiver, not at start.
const delta = lazyModule<typeof import('../../contract/delta')>('contract/delta');

/** One message for one receiver: a full snapshot or a delta against the one it holds. */
export type SnapshotMessage = { event: 'snapshot'; data: Snapshot } | { event: 'snapshotDelta'; data: SnapshotDelta };

/** Sends each receiver a full snapshot first, then deltas; see the file comment. */
export class SnapshotFanout {
  private prev: Snapshot | null = null;
  private current: Snapshot | null = null;
  private delta: SnapshotDelta | null = null;
  private fullText: string | null = null;
  private deltaText: string | null = null;
  private readonly bases = new WeakMap<object, Snapshot>();

  /** A new tick from the service. */
  push(snapshot: Snapshot): void {
    this.prev = this.current;
    this.current = snapshot;
    this.delta = null;
    this.fullText = null;
    this.deltaText = null;
  }

  /** The message `receiver` needs now (null before the first tick); records that it was sent. */
  messageFor(receiver: object): SnapshotMessage | null {
    const current = this.current;
    if (current === null) return null;
    const base = this.bases.get(receiver);
    if (base === current) return null;
    this.bases.set(receiver, current);
    if (base !== undefined && base === this.prev) {
      this.delta ??= delta().diffSnapshots(base, current);
      return { event: 'snapshotDelta', data: this.delta };
    }
    return { event: 'snapshot', data: current };
  }

  /** The same as messageFor, as the wire's JSON text (`{event, data}`), serialised once per tick and kind. */
  textFor(receiver: object): string | null {
    const message = this.messageFor(receiver);
    if (message === null) return null;
    if (message.event === 'snapshot') return (this.fullText ??= JSON.stringify(message));
    return (this.deltaText ??= JSON.stringify(message));
  }

  /** The receiver missed a tick (or reloaded): its next message is a full snapshot. */
  skip(receiver: object): void {
    this.bases.delete(receiver);
  }
}
