/**
 * The guard's poll mode, for when the kernel refuses every trigger window: the system PSI file's
 * `some` total is read on a timer, and a "fire" is a stall share at or above the threshold over
 * that interval. The timer is unref'd: poll mode must not keep a process alive by itself.
 */
import { readFileSync } from 'node:fs';

const SOME_TOTAL = /^some .*total=(\d+)/m;

/** The `some` line's total stall time in µs from a PSI file, or null when it cannot be read. */
export function readSomeTotal(path: string): number | null {
  try {
    const m = SOME_TOTAL.exec(readFileSync(path, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** A running poll of one PSI file. */
export class PsiFilePoll {
  private readonly timer: NodeJS.Timeout;
  private lastTotal: number | null;
  private lastAt: number;

  /** Start reading `path` every `pollMs`; `fired` is called for each interval stalled ≥ `stallShare`. */
  constructor(
    private readonly path: string,
    pollMs: number,
    private readonly stallShare: number,
    private readonly fired: (time: number) => void,
  ) {
    this.lastTotal = readSomeTotal(path);
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.read(), pollMs);
    this.timer.unref();
  }

  /** Stop reading. */
  stop(): void {
    clearInterval(this.timer);
  }

  private read(): void {
    const total = readSomeTotal(this.path);
    const at = performance.now();
    if (total !== null && this.lastTotal !== null && at > this.lastAt) {
      const share = (total - this.lastTotal) / ((at - this.lastAt) * 1000);
      if (share >= this.stallShare) this.fired(Date.now());
    }
    this.lastTotal = total;
    this.lastAt = at;
  }
}
