/** What every /proc parser returns: the value it could read, and how many lines it had to skip. */
export interface Parsed<T> {
  value: T;
  /** Lines (or whole files) that did not have the expected shape; skipped, never thrown. */
  malformed: number;
}

/** A non-negative safe integer from a decimal string, or null when it is anything else. */
export function toCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** A signed safe integer from a decimal string, or null. */
export function toInt(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
