/**
 * The few /proc reads the reaper needs, synchronous and side-effect free. They are only ever done
 * BEFORE a kill: reading a dying process's files can pin its mm and delay the teardown.
 */
import { readFileSync } from 'node:fs';

/** PF_KTHREAD in /proc/PID/stat field 9 (flags): a kernel thread. */
const PF_KTHREAD = 0x00200000;

/** What /proc/PID/stat tells about identity and protection. */
export interface ProcStat {
  pid: number;
  /** comm: the kernel's (up to 15-character) process name. */
  comm: string;
  ppid: number;
  /** Field 9 has PF_KTHREAD set. */
  kernelThread: boolean;
  /** Field 22: clock ticks since boot. With the pid, it names one process for ever. */
  startTime: number;
}

/**
 * Parse /proc/PID/stat. comm may contain spaces and ')', so the fields are split after the LAST ')'.
 * Returns null when the process is gone (or the text is not a stat line).
 */
export function parseStat(pid: number, text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close < open) return null;
  // After ") " the fields start at field 3 (state): field N is at index N - 3.
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[4 - 3]);
  const flags = Number(fields[9 - 3]);
  const startTime = Number(fields[22 - 3]);
  if (!Number.isSafeInteger(ppid) || !Number.isSafeInteger(flags) || !Number.isSafeInteger(startTime)) return null;
  return { pid, comm: text.slice(open + 1, close), ppid, kernelThread: (flags & PF_KTHREAD) !== 0, startTime };
}

/** /proc/PID/stat of a live process, or null when it is gone. */
export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    // UTF-8, as the sampler reads it: a name is compared with the session-critical names as the
    // window shows it (latin1 made 'café' 'cafÃ©', and no such name ever matched).
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return parseStat(pid, text);
}

/** The memory a kill returns and who owns the process, from /proc/PID/status. */
export interface ProcMemory {
  /** Real uid (first field of the Uid line). */
  uid: number;
  rssAnonBytes: number;
  swapBytes: number;
}

function kbField(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Parse /proc/PID/status (kernel threads have no RssAnon/VmSwap lines: 0). */
export function parseStatus(text: string): ProcMemory | null {
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  if (!uid) return null;
  return { uid: Number(uid[1]), rssAnonBytes: kbField(text, 'RssAnon'), swapBytes: kbField(text, 'VmSwap') };
}

/** /proc/PID/status of a live process, or null when it is gone. */
export function readStatus(pid: number): ProcMemory | null {
  try {
    return parseStatus(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return null;
  }
}

/** The real uid that owns a process, or null when it is gone. */
export function ownerUid(pid: number): number | null {
  return readStatus(pid)?.uid ?? null;
}

/** This process and every ancestor up to PID 1 (walks the ppid chain through /proc). */
export function selfAndAncestors(): Set<number> {
  const pids = new Set<number>([process.pid]);
  let pid = process.pid;
  for (let depth = 0; depth < 4096 && pid > 1; depth++) {
    const stat = readStat(pid);
    if (!stat || stat.ppid <= 0 || pids.has(stat.ppid)) break;
    pids.add(stat.ppid);
    pid = stat.ppid;
  }
  return pids;
}

/**
 * Processes named for ever: pid → start time (/proc/PID/stat field 22). A pid alone is not enough
 * for a set kept a long time: once that process exits, its pid can be given to an unrelated one.
 */
export type ProcessIdentities = ReadonlyMap<number, number>;

/** This process and every ancestor up to PID 1, each with its start time (see ProcessIdentities). */
export function selfAndAncestorIdentities(): Map<number, number> {
  const identities = new Map<number, number>();
  let pid = process.pid;
  for (let depth = 0; depth < 4096 && pid > 0; depth++) {
    const stat = readStat(pid);
    if (!stat) break;
    identities.set(pid, stat.startTime);
    if (stat.ppid <= 0 || identities.has(stat.ppid)) break;
    pid = stat.ppid;
  }
  return identities;
}

/** Is the process `pid` started at `startTime` one of `protectedPids` (pid and start time both)? */
export function isProtectedProcess(protectedPids: ProcessIdentities, pid: number, startTime: number): boolean {
  return protectedPids.get(pid) === startTime;
}

/** The live pid_max (/proc/sys/kernel/pid_max): no valid pid is above it. */
export function readPidMax(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'latin1').trim());
}
