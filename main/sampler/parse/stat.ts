/** Parser for /proc/PID/stat. */
import { toCount } from './result';

/** PF_KTHREAD in the flags field (field 9): set for kernel threads. */
export const PF_KTHREAD = 0x00200000;

/** The fields of /proc/PID/stat the sampler uses. */
export interface StatRaw {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Session id (field 6); equals pid for a session leader. */
  session: number;
  flags: number;
  /** Field 22, clock ticks since boot. */
  startTime: number;
  /** Field 24, resident pages. */
  rssPages: number;
  kernelThread: boolean;
}

// Indexes of the fields we need, counted from field 3 (state) = 0.
const PPID = 1;
const SESSION = 3;
const FLAGS = 6;
const START_TIME = 19;
const RSS = 21;

/**
 * Parse one /proc/PID/stat line, or return null when it is malformed. The comm (field 2) may
 * contain spaces and ')' — anything a process calls itself — so the fields after it are found
 * from the LAST ')' in the line, never by splitting the whole line. This runs for every process
 * every tick, so it scans the digits in place instead of splitting ~50 fields into strings.
 */
export function parseStat(text: string): StatRaw | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open || text.charCodeAt(close + 1) !== 32) return null;
  const pid = toCount(text.slice(0, open));
  const stateAt = close + 2;
  if (pid === null || stateAt >= text.length || text.charCodeAt(stateAt + 1) !== 32) return null;
  const numbers = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let field = 1;
  let digits = 0;
  let value = 0;
  let negative = false;
  for (let i = stateAt + 2; i <= text.length && field <= RSS; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 32 || c === 10) {
      // Only the fields we read must be plain non-negative numbers; others may be negative (priority, nice).
      if ((digits === 0 || negative) && (field === PPID || field === SESSION || field === FLAGS || field === START_TIME || field === RSS)) return null;
      numbers[field] = value;
      field++;
      value = 0;
      digits = 0;
      negative = false;
    } else if (c === 45 && digits === 0 && !negative) {
      negative = true;
    } else {
      return null;
    }
  }
  if (field <= RSS || !Number.isSafeInteger(numbers[START_TIME]!)) return null;
  const ppid = numbers[PPID]!;
  const flags = numbers[FLAGS]!;
  return {
    pid,
    comm: text.slice(open + 2, close),
    state: text[stateAt]!,
    ppid,
    session: numbers[SESSION]!,
    flags,
    startTime: numbers[START_TIME]!,
    rssPages: numbers[RSS]!,
    // kthreadd (pid 2) and its children; the flag is the authority, ppid 2 the fallback.
    kernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || ppid === 2,
  };
}
