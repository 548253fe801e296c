/**
 * Where the packages put things. electron-builder derives the app directory from productName
 * (`/opt/<productName>`) and the binary name from linux.executableName; these constants repeat
 * those two choices from electron-builder.yml so the helper wrapper can name them, and the offline
 * deb test checks that the built package really has them there.
 */
import { join, resolve } from 'node:path';
import { HELPER_INSTALL_PATH, POLICY_INSTALL_PATH, POLKIT_ACTION_ID } from '../native/polkit/paths';

export { HELPER_INSTALL_PATH, POLICY_INSTALL_PATH, POLKIT_ACTION_ID };

/** The checkout this file lives in. */
export const PROJECT_ROOT = resolve(__dirname, '..');

/** electron-builder.yml: productName Headroom → the deb installs the app under /opt/Headroom. */
export const APP_INSTALL_DIR = '/opt/Headroom';

/** electron-builder.yml: linux.executableName. */
export const APP_EXECUTABLE_NAME = 'headroom';

/** The Electron binary in the installed deb. */
export const APP_EXECUTABLE_PATH = `${APP_INSTALL_DIR}/${APP_EXECUTABLE_NAME}`;

/** asarUnpack puts the helper's files here, readable by plain Node (no asar support needed). */
export const APP_UNPACKED_DIR = `${APP_INSTALL_DIR}/resources/app.asar.unpacked`;

/** The helper's entry point as installed (tsc emits native/helper/main.ts to dist/native/helper/main.js). */
export const HELPER_SCRIPT_INSTALL_PATH = `${APP_UNPACKED_DIR}/dist/native/helper/main.js`;

/** electron-builder.yml extraMetadata.desktopName (without .desktop): the desktop file's name and StartupWMClass. */
export const DESKTOP_ID = 'io.headroom.Headroom';

/** Where generated packaging inputs go (gitignored, next to the packages). */
export const GENERATED_DIR = join(PROJECT_ROOT, 'release', 'polkit');

/** The generated helper wrapper and policy; electron-builder.yml's deb.fpm maps these to their install paths. */
export const GENERATED_HELPER_WRAPPER = join(GENERATED_DIR, 'headroom-helper');
export const GENERATED_POLICY = join(GENERATED_DIR, `${POLKIT_ACTION_ID}.policy`);

/** The command line on PATH: a small fixed wrapper the deb owns (packaging/prepare-cli-files.ts). */
export const CLI_INSTALL_PATH = `/usr/bin/${APP_EXECUTABLE_NAME}`;

/** The command line's entry point as installed (package.json bin.headroom, unpacked from the asar). */
export const CLI_SCRIPT_INSTALL_PATH = `${APP_UNPACKED_DIR}/dist/main/cli.js`;

/** The systemd user unit running `headroom guard` (started per user with systemctl --user). */
export const GUARD_UNIT_NAME = 'headroom-guard.service';
export const GUARD_UNIT_INSTALL_PATH = `/usr/lib/systemd/user/${GUARD_UNIT_NAME}`;

/** The generated CLI wrapper and user unit; electron-builder.yml's deb.fpm maps these to their install paths. */
export const GENERATED_CLI_DIR = join(PROJECT_ROOT, 'release', 'cli');
export const GENERATED_CLI_WRAPPER = join(GENERATED_CLI_DIR, APP_EXECUTABLE_NAME);
export const GENERATED_GUARD_UNIT = join(GENERATED_CLI_DIR, GUARD_UNIT_NAME);
