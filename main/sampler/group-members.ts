/**
 * Known processes per cgroup path, kept by the process table as processes come, move and go
 * (idle-groups.ts watches only groups of ≥ 2 known members).
 *
 * Every member of a group holds the same copy of its path: a path parsed from /proc/PID/cgroup is
 * a slice of that whole text (~200 bytes with the v1 lines), which it would keep alive — 2,000
 * processes held ~0.4 MiB of such texts in the sampler worker's heap.
 */
export class GroupMembers {
  /** Known processes per path; a path with none is not in it. */
  readonly counts = new Map<string, number>();
  /** The one copy of each path in counts. */
  private readonly copies = new Map<string, string>();

  /** Count one more member of `path`; returns the copy of the path the member should keep. */
  join(path: string): string {
    let own = this.copies.get(path);
    if (own === undefined) this.copies.set((own = Buffer.from(path, 'utf8').toString('utf8')), own);
    this.counts.set(own, (this.counts.get(own) ?? 0) + 1);
    return own;
  }

  /** Count one member fewer of `path` (forgetting the path with its last member). */
  leave(path: string): void {
    const n = (this.counts.get(path) ?? 0) - 1;
    if (n > 0) {
      this.counts.set(path, n);
    } else {
      this.counts.delete(path);
      this.copies.delete(path);
    }
  }
}
