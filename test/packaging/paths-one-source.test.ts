// One source for the helper's identity: the policy's exec.path, the wrapper's install path, the deb
// mapping in electron-builder.yml and the layout the wrapper points into all come from
// native/polkit/paths.ts and electron-builder.yml. (That the app's pkexec call uses the same path is
// shown for real by the offline deb test: pkexec only runs the path named in the installed policy.)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { HELPER_INSTALL_PATH, POLICY_INSTALL_PATH, POLKIT_ACTION_ID } from '../../native/polkit/paths';
import {
  APP_EXECUTABLE_NAME,
  APP_EXECUTABLE_PATH,
  APP_INSTALL_DIR,
  APP_UNPACKED_DIR,
  CLI_INSTALL_PATH,
  GENERATED_CLI_WRAPPER,
  GENERATED_GUARD_UNIT,
  GENERATED_HELPER_WRAPPER,
  GUARD_UNIT_INSTALL_PATH,
  GENERATED_POLICY,
  HELPER_SCRIPT_INSTALL_PATH,
  PROJECT_ROOT,
} from '../../packaging/layout';
import { packagedHelperWrapper, packagedPolicy } from '../../packaging/prepare-polkit-files';
import { loadBuilderConfig } from './config';

let config: Configuration;
beforeAll(async () => {
  config = await loadBuilderConfig();
});

describe('helper identity comes from native/polkit/paths.ts', () => {
  it('the packaged policy is for POLKIT_ACTION_ID with exec.path exactly HELPER_INSTALL_PATH', () => {
    const policy = packagedPolicy();
    expect(policy).toContain(`<action id="${POLKIT_ACTION_ID}">`);
    const execPaths = [...policy.matchAll(/<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]*)<\/annotate>/g)].map((m) => m[1]);
    expect(execPaths).toEqual([HELPER_INSTALL_PATH]);
    expect(POLICY_INSTALL_PATH).toBe(`/usr/share/polkit-1/actions/${POLKIT_ACTION_ID}.policy`);
  });

  it('the deb mapping puts the generated wrapper at HELPER_INSTALL_PATH and the policy at POLICY_INSTALL_PATH, then the CLI files, nothing else', () => {
    const fpm = (config.deb?.fpm ?? []).map((arg) => {
      const [source, destination] = arg.split('=');
      return { source: resolve(PROJECT_ROOT, source!), destination };
    });
    // The other two mappings are the command line and the guard unit (cli-packaging.test.ts).
    expect(fpm).toEqual([
      { source: GENERATED_HELPER_WRAPPER, destination: HELPER_INSTALL_PATH },
      { source: GENERATED_POLICY, destination: POLICY_INSTALL_PATH },
      { source: GENERATED_CLI_WRAPPER, destination: CLI_INSTALL_PATH },
      { source: GENERATED_GUARD_UNIT, destination: GUARD_UNIT_INSTALL_PATH },
    ]);
  });

  it('the wrapper runs the packaged app binary in Node mode on the unpacked helper, with a cleared environment and no arguments passed on', () => {
    const wrapper = packagedHelperWrapper();
    const execLines = wrapper.split('\n').filter((line) => line.startsWith('exec '));
    expect(execLines).toEqual([`exec /usr/bin/env -i ELECTRON_RUN_AS_NODE=1 ${APP_EXECUTABLE_PATH} ${HELPER_SCRIPT_INSTALL_PATH}`]);
    expect(wrapper).not.toContain('$@');
    expect(wrapper).not.toContain('$*');
  });

  it('the wrapper points where electron-builder.yml installs the app, at the helper entry package.json names', () => {
    expect(APP_INSTALL_DIR).toBe(`/opt/${config.productName}`);
    expect(APP_EXECUTABLE_NAME).toBe(config.linux?.executableName);
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(HELPER_SCRIPT_INSTALL_PATH).toBe(`${APP_UNPACKED_DIR}/${pkg.bin['headroom-helper']}`);
    expect(config.asarUnpack).toContain(`${pkg.bin['headroom-helper']!.split('/').slice(0, 2).join('/')}/**`);
  });
});
