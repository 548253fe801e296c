/** Which cgroup v2 paths are apps, and what to call them. Pure string work. */
import type { AppKind } from '../../contract/snapshot';

/** A cgroup that is an app: its path (up to the matching component), kind and readable name. */
export interface CgroupApp {
  path: string;
  kind: Exclude<AppKind, 'tree'>;
  name: string;
}

/**
 * Undo systemd's unit-name escaping ("\x2d" → "-"). A non-ASCII letter is escaped byte by byte in
 * UTF-8 ("Caf\xc3\xa9" → "Café"), so each run of escapes is decoded as UTF-8 (bytes that are not
 * UTF-8 become U+FFFD).
 */
export function unescapeSystemd(text: string): string {
  return text.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.alloc(run.length / 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 4 + 2, i * 4 + 4), 16);
    return bytes.toString('utf8');
  });
}

function stripTrailingNumber(text: string): string {
  return text.replace(/-\d+$/, '');
}

/** Classify one path component (a unit name), or null when it is not an app by itself. */
export function classifyUnit(unit: string): Omit<CgroupApp, 'path'> | null {
  if (unit.endsWith('.slice')) return null;
  if (unit.startsWith('app-flatpak-') && unit.endsWith('.scope')) {
    // app-flatpak-<app id>-<instance>.scope
    const name = stripTrailingNumber(unescapeSystemd(unit.slice('app-flatpak-'.length, -'.scope'.length)));
    return name ? { kind: 'flatpak', name } : null;
  }
  if (unit.startsWith('snap.')) {
    // snap.<snap>.<app>-<uuid>.scope or snap.<snap>.<app>.service: the snap name is the app.
    const name = unescapeSystemd(unit.slice('snap.'.length).split('.')[0] ?? '');
    return name ? { kind: 'snap', name } : null;
  }
  if (unit.startsWith('app-') && unit.endsWith('.scope')) {
    const name = stripTrailingNumber(unescapeSystemd(unit.slice('app-'.length, -'.scope'.length)));
    return name ? { kind: 'scope', name } : null;
  }
  if (unit.endsWith('.service')) {
    // user@1000.service is a whole user session manager, not an app: reaping it would end the session.
    if (/^user@\d+\.service$/.test(unit)) return null;
    let base = unescapeSystemd(unit.slice(0, -'.service'.length));
    if (base.startsWith('app-')) base = base.slice('app-'.length);
    // Template instances such as "app-foo@autostart" read better without the instance.
    const at = base.indexOf('@');
    const name = stripTrailingNumber(at > 0 ? base.slice(0, at) : base);
    return name ? { kind: 'service', name } : null;
  }
  return null;
}

/**
 * The app a cgroup v2 path belongs to: the deepest component that is an app unit (so a service's
 * own sub-groups stay with the service), or null for "/", slices, init.scope, session scopes and
 * user managers, which fall back to the process tree.
 */
export function classifyCgroup(path: string): CgroupApp | null {
  if (!path.startsWith('/')) return null;
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 1; i--) {
    const found = classifyUnit(parts[i]!);
    if (found) return { path: parts.slice(0, i + 1).join('/'), ...found };
  }
  return null;
}
