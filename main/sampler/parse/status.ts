/** Parser for /proc/PID/status: the memory split and the owner. */
import { toCount, type Parsed } from './result';

/** The status fields Headroom uses; memory in bytes. Absent fields are 0 (zombies and kernel threads have none). */
export interface StatusRaw {
  /** Real uid (first column of Uid:). */
  uid: number | null;
  /** The thread group (process) this task belongs to; differs from the PID for a thread's TID. */
  tgid: number | null;
  anonBytes: number;
  fileBytes: number;
  shmemBytes: number;
  swapBytes: number;
}

const KB_FIELDS: Record<string, keyof Omit<StatusRaw, 'uid' | 'tgid'>> = {
  RssAnon: 'anonBytes',
  RssFile: 'fileBytes',
  RssShmem: 'shmemBytes',
  VmSwap: 'swapBytes',
};

/** Parse /proc/PID/status; lines it needs but cannot read are counted as malformed. */
export function parseStatus(text: string): Parsed<StatusRaw> {
  const value: StatusRaw = { uid: null, tgid: null, anonBytes: 0, fileBytes: 0, shmemBytes: 0, swapBytes: 0 };
  let malformed = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    if (key === 'Uid') {
      const uid = toCount(line.slice(colon + 1).trim().split(/\s+/)[0]);
      if (uid === null) malformed++;
      else value.uid = uid;
      continue;
    }
    if (key === 'Tgid') {
      value.tgid = toCount(line.slice(colon + 1).trim());
      continue;
    }
    const field = KB_FIELDS[key];
    if (!field) continue;
    const parts = line.slice(colon + 1).trim().split(/\s+/);
    const n = toCount(parts[0]);
    if (n === null || parts[1] !== 'kB') {
      malformed++;
      continue;
    }
    value[field] = n * 1024;
  }
  if (value.uid === null) malformed++;
  return { value, malformed };
}
