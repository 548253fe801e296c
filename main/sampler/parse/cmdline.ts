/** Parser for /proc/PID/cmdline. */

/** Default cap on the command line kept per process, in characters. */
export const CMDLINE_CAP = 512;

/**
 * The NUL-separated argv joined with spaces, trailing NULs dropped, capped at `cap` characters
 * (with "…" when cut). Empty for zombies and kernel threads, whose cmdline is empty.
 */
export function parseCmdline(raw: Buffer | string, cap = CMDLINE_CAP): string {
  let text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  text = text.slice(0, end).replace(/\0/g, ' ');
  return text.length > cap ? text.slice(0, cap - 1) + '…' : text;
}
