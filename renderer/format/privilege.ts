/**
 * The privilege mode in plain words: for the status bar and for the reap confirmation's notice
 * about whether an administrator password will be asked.
 */
import type { PrivilegeMode } from '../../contract/status';

/** The status bar's words for how other users' processes can be reaped. */
export function privilegeInWords(mode: PrivilegeMode): string {
  switch (mode) {
    case 'root':
      return 'root';
    case 'helper-ready':
      return 'helper ready';
    case 'helper-installed':
      return 'own processes only \u2014 password asked for others';
    case 'helper-missing':
      return 'own processes only \u2014 system helper not installed';
  }
}

export interface PasswordNotice {
  text: string;
  /** True when the reap cannot work from here, so the confirm button must stay disabled. */
  blocked: boolean;
}

/**
 * What the confirmation says about authorization for processes owned by `targetUids` when
 * Headroom runs as `ownUid` in `mode`.
 */
export function passwordNotice(mode: PrivilegeMode, ownUid: number, targetUids: readonly number[]): PasswordNotice {
  const foreign = targetUids.some((uid) => uid !== ownUid);
  if (!foreign) return { text: 'Your own processes: no password needed.', blocked: false };
  switch (mode) {
    case 'root':
      return { text: 'Headroom runs as root: no password needed.', blocked: false };
    case 'helper-ready':
      return { text: 'Uses the administrator access you already gave (the helper is running; it leaves after 5 minutes unused).', blocked: false };
    case 'helper-installed':
      return { text: 'An administrator password will be asked (polkit then keeps it for 5 minutes).', blocked: false };
    case 'helper-missing':
      return {
        text: "Reaping other users' processes needs Headroom's system helper (installed by the deb package); this process cannot be reaped from here.",
        blocked: true,
      };
  }
}
