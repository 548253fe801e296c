/** uid → user name, from /etc/passwd parsed once and re-read (rate-limited) when a uid is unknown. */
import { readFileSync } from 'node:fs';
import { parsePasswd } from './parse/passwd';

const REFRESH_AFTER_MS = 30_000;

/** User names for uids; falls back to the number when the uid has no passwd entry. */
export class UserNames {
  private names = new Map<number, string>();
  private loadedAt = -Infinity;

  constructor(private readonly passwdPath = '/etc/passwd') {
    this.load();
  }

  /** The user name for a uid, or the uid as text when there is none (e.g. a container's uid). */
  nameOf(uid: number): string {
    const name = this.names.get(uid);
    if (name !== undefined) return name;
    // A user added since we loaded the file; re-read at most every 30 s so unknown uids stay cheap.
    if (Date.now() - this.loadedAt > REFRESH_AFTER_MS) {
      this.load();
      const again = this.names.get(uid);
      if (again !== undefined) return again;
    }
    return String(uid);
  }

  private load(): void {
    this.loadedAt = Date.now();
    try {
      this.names = parsePasswd(readFileSync(this.passwdPath, 'utf8'));
    } catch {
      // No readable passwd (a minimal container): numbers it is.
    }
  }
}
