/**
 * A reap's outcome in plain words, for the role="status" region: what was freed, how fast and by
 * which method, or why nothing happened. Pure, so every state is unit-tested.
 */
import { CallUnanswered } from '../../contract/api';
import type { ReapErrorCode, ReapResult } from '../../contract/reap';
import { formatBytes, formatMs } from './units';

export type OutcomeTone = 'success' | 'partial' | 'failure';

export interface ReapOutcome {
  tone: OutcomeTone;
  text: string;
  /** Extra remarks (e.g. why process_mrelease was not used), shown under the text. */
  notes: string[];
}

const METHOD_WORDS: Record<NonNullable<ReapResult['method']>, string> = {
  mrelease: 'process_mrelease',
  'kill-only': 'killed; memory returns as it exits',
  term: 'ended',
};

/** A per-target error code in plain words; `message` is the server's sentence (used where it adds detail). */
export function reapErrorInWords(code: ReapErrorCode, message: string): string {
  switch (code) {
    case 'CHANGED':
      return 'Not reaped: the process exited or changed \u2014 refresh and try again.';
    case 'NOT_AUTHORIZED':
      return "Not reaped: not authorized to end another user's process (the administrator password was refused, or there was no way to ask for it).";
    case 'DISMISSED':
      return 'Not reaped: the password dialog was closed before authorizing.';
    case 'HELPER_UNAVAILABLE':
      return "Not reaped: ending other users' processes needs Headroom's system helper, which is not installed (it comes with the deb package).";
    case 'PROTECTED':
      return 'Not reaped: this is a protected process (PID 1, a kernel thread or a helper the kernel started, or Headroom itself) and is never ended.';
    case 'SESSION_CRITICAL':
      return 'Not reaped: ending this process may end your session; confirm that explicitly to go ahead.';
    case 'EPERM':
      return `Not reaped: no permission to signal this process (EPERM). ${message}`.trim();
    case 'BAD_REQUEST':
      return `Not reaped: the request was refused \u2014 ${message}`;
    case 'INTERNAL':
      return `Not reaped: something went wrong \u2014 ${message}`;
  }
}

function failureText(result: ReapResult): string {
  return result.error ? reapErrorInWords(result.error.code, result.error.message) : 'Not reaped.';
}

/** Describe a reap response. `results` is one entry per target, as main returned them. */
export function describeReapResults(results: readonly ReapResult[]): ReapOutcome {
  const done = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  if (done.length === 0) {
    const first = failed[0];
    if (!first) return { tone: 'failure', text: 'Not reaped: nothing was sent.', notes: [] };
    const text = failureText(first);
    const others = failed.length > 1 ? [`${failed.length} processes were not reaped.`] : [];
    return { tone: 'failure', text, notes: others };
  }

  const freed = done.reduce((sum, r) => sum + r.freedBytes, 0);
  const times = done.map((r) => r.memoryBackMs).filter((t): t is number => t !== null);
  const methods = [...new Set(done.map((r) => r.method).filter((m): m is NonNullable<typeof m> => m !== null))];
  const words = methods.map((m) => METHOD_WORDS[m]).join(', ');
  const count = done.length > 1 ? ` from ${done.length} processes` : '';
  const onlyKilled = methods.length === 1 && methods[0] === 'kill-only';

  let text: string;
  if (onlyKilled && times.length === 0) {
    // Nothing proves the memory is back yet: say what was done, not what might follow.
    text = `Killed${count}; ${formatBytes(freed)} returns as it exits`;
  } else {
    const time = times.length > 0 ? ` in ${formatMs(Math.max(...times))}` : '';
    text = `Freed ${formatBytes(freed)}${count}${time}${words ? ` (${words})` : ''}`;
  }

  const notes = [...new Set(done.map((r) => r.note).filter((n): n is string => Boolean(n)))];
  if (failed.length > 0) {
    notes.push(`${failed.length} not reaped: ${failureText(failed[0]!)}`);
    return { tone: 'partial', text, notes };
  }
  return { tone: 'success', text, notes };
}

/** What a reap's unanswered call (sent, then the connection dropped) may have done. */
const UNANSWERED = 'The connection to Headroom dropped after the request was sent, so it may have been carried out: the table shows what is still running.';

/** The call itself failed (disconnected, rejected request): no per-target results. */
export function describeCallFailure(error: unknown): ReapOutcome {
  if (error instanceof CallUnanswered) return { tone: 'partial', text: `Reap outcome unknown. ${UNANSWERED}`, notes: [] };
  const message = error instanceof Error ? error.message : String(error);
  return { tone: 'failure', text: `Not reaped: ${message}`, notes: [] };
}

/**
 * An app reaped in several requests (512 targets each) whose later one failed: the results that
 * came back, and a note for the rest (not sent, or sent and unanswered).
 */
export function describeSomeResults(results: readonly ReapResult[], error: unknown, remaining: number): ReapOutcome {
  const outcome = describeReapResults(results);
  const rest = error instanceof CallUnanswered ? `The other ${remaining}: outcome unknown. ${UNANSWERED}` : `The other ${remaining}: not reaped (${error instanceof Error ? error.message : String(error)}).`;
  return { tone: outcome.tone === 'success' ? 'partial' : outcome.tone, text: outcome.text, notes: [...outcome.notes, rest] };
}
