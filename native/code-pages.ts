/**
 * Unmap the cold pages of this program's own binary (node, or Electron's main process) once start-up
 * is over. RSS counts every page of the executable that is mapped in, and start-up maps ~37 MiB of
 * node's text and read-only data (V8's snapshot, builtins, ICU tables) that the steady state never
 * touches again (docs/BENCHMARKS.md, "Footprint, lead"). madvise(MADV_DONTNEED) on those mappings drops
 * the page-table entries only: the pages stay in the page cache, shared and clean, and the few the
 * steady state uses come back on first touch as minor faults (no disk read while they are cached).
 * Unmapped file pages are also what the kernel reclaims first when memory runs short, before the
 * mapped executable pages it protects — so this also gives back memory when the desktop drowns.
 *
 * Safe by construction: only mappings of the executable file itself that cannot be written (r-xp,
 * r--p) and hold no private copy of any page (smaps `Anonymous: 0 kB` — RELRO, which the loader
 * wrote before making it read-only, has some and is skipped) nor locked pages (`Locked: 0 kB`; the
 * guard's mlockall keeps its pages on purpose). Dropping such a page loses nothing: it is re-read from
 * the same file. Linux only; a failure is reported, never thrown.
 */
import { readFileSync, realpathSync } from 'node:fs';
import koffi from 'koffi';

const MADV_DONTNEED = 4;

let madvise: ((addr: bigint, length: bigint, advice: number) => number) | null | undefined;

function madviseFn(): ((addr: bigint, length: bigint, advice: number) => number) | null {
  if (madvise !== undefined) return madvise;
  try {
    const fn = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t length, int advice)');
    madvise = (addr, length, advice) => Number(fn(addr, length, advice));
  } catch {
    madvise = null;
  }
  return madvise;
}

/** One mapping of /proc/self/smaps, with the fields the choice needs. */
export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rssKiB: number;
  anonymousKiB: number;
  lockedKiB: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;

/** Parse /proc/PID/smaps text into mappings (fields other than Rss, Anonymous and Locked are ignored). */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | null = null;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      current = { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3]!, path: header[4]!, rssKiB: 0, anonymousKiB: 0, lockedKiB: 0 };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const field = /^(Rss|Anonymous|Locked):\s+(\d+) kB$/.exec(line);
    if (!field) continue;
    const kib = Number(field[2]);
    if (field[1] === 'Rss') current.rssKiB = kib;
    else if (field[1] === 'Anonymous') current.anonymousKiB = kib;
    else current.lockedKiB = kib;
  }
  return out;
}

/** The mappings dropCodePages may unmap: the executable's own, not writable, with no private or locked page. */
export function droppable(mappings: readonly Mapping[], exe: string): Mapping[] {
  return mappings.filter(
    (m) => m.path === exe && (m.perms === 'r-xp' || m.perms === 'r--p') && m.anonymousKiB === 0 && m.lockedKiB === 0 && m.rssKiB > 0,
  );
}

/** What dropCodePages did. */
export interface CodePagesReport {
  /** Resident KiB of the executable's droppable mappings before, as smaps counted them. */
  droppedKiB: number;
  mappings: number;
  /** Why nothing (or not everything) was dropped; null when all went well. */
  error: string | null;
}

/** Unmap the resident pages of this program's executable that only start-up used (see the file comment). */
export function dropCodePages(): CodePagesReport {
  const fn = madviseFn();
  if (!fn) return { droppedKiB: 0, mappings: 0, error: 'no madvise here (not glibc)' };
  let chosen: Mapping[];
  try {
    chosen = droppable(parseSmaps(readFileSync('/proc/self/smaps', 'utf8')), realpathSync('/proc/self/exe'));
  } catch (err) {
    return { droppedKiB: 0, mappings: 0, error: `could not read /proc/self/smaps (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  let droppedKiB = 0;
  let mappings = 0;
  let error: string | null = null;
  for (const m of chosen) {
    if (fn(m.start, m.end - m.start, MADV_DONTNEED) === 0) {
      droppedKiB += m.rssKiB;
      mappings++;
    } else {
      error = `madvise failed on ${m.perms} ${m.path} (errno ${koffi.errno()})`;
    }
  }
  return { droppedKiB, mappings, error };
}
