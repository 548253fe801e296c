/** Parser for /proc/PID/stat. */

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
const NEEDED = new Set([PPID, SESSION, FLAGS, START_TIME, RSS]);
const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

/** Parse one /proc/PID/stat line given as text (fixtures, tests); see parseStatBytes. */
export function parseStat(text: string): StatRaw | null {
  const bytes = Buffer.from(text, 'utf8');
  return parseStatBytes(bytes, bytes.length);
}

/**
 * Parse the first `length` bytes of a /proc/PID/stat read, or return null when they are malformed.
 * The comm (field 2) may contain spaces and ')' — anything a process calls itself — so the fields
 * after it are found from the LAST ')', never by splitting the whole line. This runs for every
 * process every tick, so it scans the digits in the read buffer instead of making strings.
 */
export function parseStatBytes(buf: Uint8Array, length: number): StatRaw | null {
  // pid, then " (".
  let pid = 0;
  let i = 0;
  while (i < length && buf[i]! >= 0x30 && buf[i]! <= 0x39) pid = pid * 10 + (buf[i++]! - 0x30);
  if (i === 0 || i + 1 >= length || buf[i] !== SPACE || buf[i + 1] !== OPEN_PAREN) return null;
  const commStart = i + 2;
  let close = length - 1;
  while (close >= commStart && buf[close] !== CLOSE_PAREN) close--;
  const stateAt = close + 2;
  if (close < commStart || stateAt + 1 >= length || buf[close + 1] !== SPACE || buf[stateAt + 1] !== SPACE) return null;
  const numbers = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let field = 1;
  let digits = 0;
  let value = 0;
  let negative = false;
  for (let j = stateAt + 2; j <= length && field <= RSS; j++) {
    const c = j < length ? buf[j]! : SPACE;
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else if (c === SPACE || c === NEWLINE) {
      // Only the fields we read must be plain non-negative numbers; others may be negative (priority, nice).
      if ((digits === 0 || negative) && NEEDED.has(field)) return null;
      numbers[field] = value;
      field++;
      value = 0;
      digits = 0;
      negative = false;
    } else if (c === MINUS && digits === 0 && !negative) {
      negative = true;
    } else {
      return null;
    }
  }
  if (field <= RSS || !Number.isSafeInteger(pid) || !Number.isSafeInteger(numbers[START_TIME]!)) return null;
  const ppid = numbers[PPID]!;
  const flags = numbers[FLAGS]!;
  return {
    pid,
    comm: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', commStart, close),
    state: String.fromCharCode(buf[stateAt]!),
    ppid,
    session: numbers[SESSION]!,
    flags,
    startTime: numbers[START_TIME]!,
    rssPages: numbers[RSS]!,
    // The flag alone: a user-mode helper the kernel starts (a core-dump pipe, modprobe) also has
    // kthreadd as its parent but is an ordinary process with memory of its own.
    kernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2,
  };
}
