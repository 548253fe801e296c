/**
 * Generate what the deb installs for the privileged helper, from native/polkit (the one template the
 * tests use too): the wrapper that pkexec runs at HELPER_INSTALL_PATH, and the polkit policy whose
 * exec.path is HELPER_INSTALL_PATH. electron-builder.yml's deb.fpm maps these files to their
 * install paths; packaging/before-pack.cjs runs this before every package build.
 *
 * The wrapper starts the app's own Electron binary in Node mode (ELECTRON_RUN_AS_NODE=1, after
 * env -i) on the helper's unpacked entry point: no second Node runtime to ship, and none of the
 * window machinery (docs/PACKAGING.md says why).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { helperWrapperScript, renderPolicy } from '../native/polkit/policy';
import { APP_EXECUTABLE_PATH, GENERATED_DIR, GENERATED_HELPER_WRAPPER, GENERATED_POLICY, HELPER_INSTALL_PATH, HELPER_SCRIPT_INSTALL_PATH } from './layout';

/** The wrapper the deb installs at HELPER_INSTALL_PATH. */
export function packagedHelperWrapper(): string {
  return helperWrapperScript({
    nodeCommand: [APP_EXECUTABLE_PATH],
    helperScript: HELPER_SCRIPT_INSTALL_PATH,
    environment: { ELECTRON_RUN_AS_NODE: '1' },
  });
}

/** The policy the deb installs at POLICY_INSTALL_PATH. */
export function packagedPolicy(): string {
  return renderPolicy({ helperPath: HELPER_INSTALL_PATH });
}

/** Write both into GENERATED_DIR (wrapper 0755, policy 0644); returns their paths. */
export function preparePolkitFiles(): { wrapper: string; policy: string } {
  mkdirSync(GENERATED_DIR, { recursive: true });
  writeFileSync(GENERATED_HELPER_WRAPPER, packagedHelperWrapper());
  chmodSync(GENERATED_HELPER_WRAPPER, 0o755);
  writeFileSync(GENERATED_POLICY, packagedPolicy());
  chmodSync(GENERATED_POLICY, 0o644);
  return { wrapper: GENERATED_HELPER_WRAPPER, policy: GENERATED_POLICY };
}

if (require.main === module) {
  const { wrapper, policy } = preparePolkitFiles();
  process.stdout.write(`prepared ${wrapper} and ${policy}\n`);
}
