/**
 * The helper's line framing, without zod: one JSON object per line, each line at most 64 KiB.
 * Separate from protocol.ts (the zod schemas) so that the helper's start-up path — reading stdin and
 * answering hello — does not wait for zod to load (docs/BENCHMARKS.md, "Start").
 */

/** The longest request line the helper reads; longer ones are discarded unread and answered BAD_REQUEST. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Bumped when the protocol changes incompatibly. */
export const HELPER_PROTOCOL_VERSION = '1';

/**
 * The helper leaves after this long without a request (polkit's auth_admin_keep lasts as long), so
 * one authorization is not a root channel for the whole session; the app starts a new helper (a new
 * pkexec, which the kept authorization may answer without asking) on its next request. A hello may
 * ask for a shorter time (tests do), never a longer one.
 */
export const HELPER_IDLE_MS = 5 * 60_000;

/** The shortest idle time a hello may ask for. */
export const MIN_HELPER_IDLE_MS = 100;

/**
 * The helper's exit code when it left because it was idle (EX_TEMPFAIL). It answers every line it
 * reads before its idle time can run out again, so a request still unanswered then was never read:
 * the app sends it again to a new helper.
 */
export const HELPER_IDLE_EXIT_CODE = 75;

/** A line, or the marker that an over-long line was discarded. */
export type LineEvent = { line: Buffer } | { overlong: true };

/**
 * Splits a byte stream into lines of at most `maxBytes`. An over-long line is not buffered: its
 * bytes are dropped until the next newline, and one `overlong` event stands for it.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Feed bytes; returns the complete lines (and overlong markers) they finished. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.discarding) {
        this.size += end - start;
        if (this.size > this.maxBytes) {
          this.discarding = true;
          this.parts = [];
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end));
        }
      }
      if (newline === -1) break;
      if (this.discarding) events.push({ overlong: true });
      else events.push({ line: Buffer.concat(this.parts) });
      this.parts = [];
      this.size = 0;
      this.discarding = false;
      start = newline + 1;
    }
    return events;
  }
}
