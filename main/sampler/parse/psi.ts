/** Parser for PSI files: /proc/pressure/{memory,cpu,io} and cgroup v2 `memory.pressure`. */
import type { Parsed } from './result';

/** One raw PSI line as the kernel writes it (no per-tick share yet). */
export interface PsiLineRaw {
  avg10: number;
  avg60: number;
  avg300: number;
  totalUs: number;
}

/** A PSI file: `full` is null when the kernel did not write that line (older cpu files). */
export interface PsiRaw {
  some: PsiLineRaw;
  full: PsiLineRaw | null;
}

const LINE = /^(some|full) avg10=(\d+(?:\.\d+)?) avg60=(\d+(?:\.\d+)?) avg300=(\d+(?:\.\d+)?) total=(\d+)$/;

/**
 * Parse a PSI file. Returns value null when there is no usable `some` line (the file is then
 * counted as malformed); a missing or malformed `full` line gives full: null.
 */
export function parsePsi(text: string): Parsed<PsiRaw | null> {
  let some: PsiLineRaw | null = null;
  let full: PsiLineRaw | null = null;
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) {
      malformed++;
      continue;
    }
    const parsed = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
    if (m[1] === 'some') some = parsed;
    else full = parsed;
  }
  if (!some) return { value: null, malformed: Math.max(1, malformed) };
  return { value: { some, full }, malformed };
}
