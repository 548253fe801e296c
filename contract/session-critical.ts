/**
 * The built-in session-critical names, in a module without zod: the reap path (`headroom reap`,
 * the privileged helper, the reap worker) needs them and must start fast (requiring zod costs
 * 0.07–0.29 s here; docs/BENCHMARKS.md, "Start"). contract/settings.ts re-exports it.
 */

/**
 * Processes whose loss ends the person's session: refused unless the request says `force`.
 * Matched against comm (the kernel's 15-byte process name); a longer name matches by its first 15 bytes.
 */
export const DEFAULT_SESSION_CRITICAL = [
  'Xorg',
  'Xwayland',
  'gnome-shell',
  'gnome-session-b',
  'kwin_wayland',
  'kwin_x11',
  'plasmashell',
  'ksmserver',
  'sway',
  'weston',
  'mutter',
  'xfwm4',
  'xfce4-session',
  'lightdm',
  'gdm',
  // Debian's and Ubuntu's GDM binary, and the session leaders GDM starts (names as comm cuts them).
  'gdm3',
  'gdm-session-wor',
  'gdm-wayland-ses',
  'gdm-x-session',
  'sddm',
  'sddm-helper',
  'startplasma-way',
  'startplasma-x11',
  'cinnamon',
  'cinnamon-sessio',
  'mate-session',
  'lxqt-session',
  'dbus-daemon',
  'dbus-broker',
  'systemd',
  'systemd-logind',
  'headroom',
] as const;

/** The kernel keeps a process name (comm) to its first 15 bytes (TASK_COMM_LEN 16, with the NUL). */
export const COMM_MAX = 15;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * A configured name as the kernel's comm would hold it, read back as Headroom reads comm (UTF-8):
 * "gnome-session-binary" matches comm "gnome-session-b", and a name cut inside a character ends in
 * U+FFFD, as that comm read from /proc does.
 */
export function commOf(name: string): string {
  const bytes = utf8.encode(name);
  return bytes.length > COMM_MAX ? fromUtf8.decode(bytes.subarray(0, COMM_MAX)) : name;
}

/** Whether `comm` (as read) may be a longer name the kernel cut: it fills the 15 bytes, or ends inside a character. */
export function mayBeCut(comm: string): boolean {
  return comm.endsWith('\ufffd') || utf8.encode(comm).length >= COMM_MAX;
}

/** `comm` without what a cut inside a character left at its end: the part a longer name starts with. */
export function cutPrefix(comm: string): string {
  return comm.replace(/\ufffd+$/, '');
}

/**
 * Whether a reap of a process named `comm` is refused without force. The person's `names` always
 * count; the built-in list counts too when the reap goes through the privileged helper (another
 * user's process, Headroom not root), which always adds it. Names compare as comm holds them
 * (commOf). The reaper and the window's confirmation both decide through this.
 */
export function isSessionCritical(comm: string, names: readonly string[], viaHelper: boolean): boolean {
  const matches = (name: string) => commOf(name) === comm;
  return names.some(matches) || (viaHelper && DEFAULT_SESSION_CRITICAL.some(matches));
}
