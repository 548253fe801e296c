/**
 * The built-in session-critical names, in a module without zod: the reap path (`headroom reap`,
 * the privileged helper, the reap worker) needs them and must start fast (requiring zod costs
 * 0.07–0.29 s here; docs/BENCHMARKS.md, "Start"). contract/settings.ts re-exports it.
 */

/**
 * Processes whose loss ends the person's session: refused unless the request says `force`.
 * Matched against comm (the kernel's 15-character process name); a longer name matches by its first 15.
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

/** The kernel keeps a process name (comm) to its first 15 characters (TASK_COMM_LEN 16, with the NUL). */
export const COMM_MAX = 15;

/** A configured name as the kernel's comm would hold it: "gnome-session-binary" matches comm "gnome-session-b". */
export function commOf(name: string): string {
  return name.length > COMM_MAX ? name.slice(0, COMM_MAX) : name;
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
