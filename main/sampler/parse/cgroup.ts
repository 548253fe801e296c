/** Parser for /proc/PID/cgroup. */

/**
 * The cgroup v2 path: the "0::<path>" line. Null when there is none (a pure cgroup v1 system, or
 * a malformed file).
 */
export function parseCgroupV2Path(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) {
      const path = line.slice(3);
      return path.startsWith('/') ? path : null;
    }
  }
  return null;
}
