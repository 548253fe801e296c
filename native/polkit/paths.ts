/**
 * The one source for the privileged helper's identity: the polkit action, the installed helper path
 * (the policy's exec.path, the path the app passes to pkexec, and the deb's file mapping all come
 * from here).
 */

/** The polkit action that allows reaping other users' processes. */
export const POLKIT_ACTION_ID = 'io.headroom.reap';

/** Where the deb installs the helper; pkexec is always given exactly this path (or a test's own). */
export const HELPER_INSTALL_PATH = '/usr/libexec/headroom/headroom-helper';

/** Where the deb installs the policy. */
export const POLICY_INSTALL_PATH = `/usr/share/polkit-1/actions/${POLKIT_ACTION_ID}.policy`;
