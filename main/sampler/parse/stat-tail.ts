/**
 * The fields of /proc/PID/stat past the ones parse/stat.ts takes, from the same bytes (no read of
 * its own): the thread count, and where the program's code and its argv lie. Those addresses move
 * on every exec (a new image, randomized) and when argv is moved (prctl PR_SET_MM_ARG_START/END,
 * PR_SET_MM_MAP), so comparing them with the last stat read says "re-read the command line" even
 * when comm stayed the same. The kernel shows them only to a reader allowed to ptrace the process
 * (start_code reads 1 and the argv fields 0 otherwise), and all of them read 0 without an mm (a
 * zombie, a kernel thread); then they never change and only a comm change tells an exec.
 */

/** The extra fields; numbers fit a double (user addresses are below 2^57). */
export interface StatTail {
  /** Field 20: threads in the process (a zombie leader whose other threads run still counts them). */
  threads: number;
  /** Field 26: start of the program's code. */
  startCode: number;
  /** Fields 48 and 49 (Linux 3.5): where argv lies; 0 when absent. */
  argStart: number;
  argEnd: number;
}

/** A tail to fill in place (one per reader). */
export function newStatTail(): StatTail {
  return { threads: 0, startCode: 0, argStart: 0, argEnd: 0 };
}

// Counted from field 3 (state) = 0, as in parse/stat.ts.
const THREADS = 17;
const START_CODE = 23;
const ARG_START = 45;
const ARG_END = 46;
const SPACE = 0x20;
const CLOSE_PAREN = 0x29;

/**
 * Fill `out` from the first `length` bytes of a stat read already found well-formed by
 * parseStatBytes; fields the line lacks stay 0. The comm may hold ')' and spaces, so fields are
 * counted from the last ')'.
 */
export function parseStatTail(buf: Uint8Array, length: number, out: StatTail): void {
  out.threads = 0;
  out.startCode = 0;
  out.argStart = 0;
  out.argEnd = 0;
  let close = length - 1;
  while (close >= 0 && buf[close] !== CLOSE_PAREN) close--;
  if (close < 0) return;
  let field = 0;
  let value = 0;
  for (let j = close + 2; j <= length && field <= ARG_END; j++) {
    const c = j < length ? buf[j]! : SPACE;
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
    } else if (c === SPACE || c === 0x0a) {
      if (field === THREADS) out.threads = value;
      else if (field === START_CODE) out.startCode = value;
      else if (field === ARG_START) out.argStart = value;
      else if (field === ARG_END) out.argEnd = value;
      field++;
      value = 0;
    }
    // Anything else (the state letter, a '-' sign) leaves a field we do not use at 0.
  }
}

/** Whether two reads of one process show a new program or a moved argv (see the file comment). */
export function execMoved(before: StatTail, after: StatTail): boolean {
  // 0: no mm now (it became a zombie): nothing to compare with.
  if (after.startCode === 0) return false;
  return before.startCode !== after.startCode || before.argStart !== after.argStart || before.argEnd !== after.argEnd;
}
