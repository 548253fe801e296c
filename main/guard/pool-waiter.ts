/**
 * Finding the libuv pool thread that runs the trigger wait, and raising it to nice −10.
 *
 * koffi's asynchronous call runs poll(2) on whichever of libuv's pool threads takes it, so the thread
 * cannot raise itself as the trigger worker's thread did. It is found by its syscall instead:
 * `/proc/self/task/TID/syscall` starts with poll's number and the address of our pollfd array while
 * that thread waits on it. It is looked for a few times shortly after a wait starts (the pool picks
 * the call up at once), raised where allowed (EACCES for ordinary users), and tried once per thread:
 * the raise stays with that thread, and a later wait that lands on another raises that one too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { REAPER_NICE, setTaskNice } from '../../native/priority';

/** How long after a wait starts the waiting pool thread is looked for. */
const FIND_WAITER_MS = [5, 50, 500];
const SYS_poll = 7;

/** The TID of this process's thread blocked in poll(2) on the array at `address`, or null. */
export function findPollWaiter(address: bigint): number | null {
  const wanted = `${SYS_poll} 0x${address.toString(16)} `;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  for (const tid of tasks) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/syscall`, 'latin1').startsWith(wanted)) return Number(tid);
    } catch {
      // The thread ended, or /proc/self/task/TID/syscall is not readable here.
    }
  }
  return null;
}

/** Raises each pool thread found waiting on the trigger array once (see the comment at the top). */
export class PoolWaiterRaiser {
  private readonly raised = new Set<number>();

  /** `waiting()` gives the array's address while a wait is in progress, else null. */
  constructor(private readonly waiting: () => bigint | null) {}

  /**
   * Find the waiting thread and give it nice −10. `outcome` gets null when raised (or raised before),
   * else the errno name or why not.
   */
  raise(outcome: (nice: string | null) => void, attempt = 0): void {
    const timer = setTimeout(() => {
      const address = this.waiting();
      if (address === null) return outcome('no wait in progress');
      const tid = findPollWaiter(address);
      if (tid === null) {
        if (attempt + 1 < FIND_WAITER_MS.length) return this.raise(outcome, attempt + 1);
        return outcome('the waiting thread was not found');
      }
      if (this.raised.has(tid)) return outcome(null);
      const error = setTaskNice(tid, REAPER_NICE);
      // Tried once per thread: an unprivileged user gets EACCES every time.
      this.raised.add(tid);
      outcome(error);
    }, FIND_WAITER_MS[attempt]);
    timer.unref();
  }
}
