// electron-builder beforePack hook (electron-builder.yml), run before every package build (online
// `npm run dist` and the offline build alike):
// 1. refuse to package for an architecture whose koffi platform package is not installed (npm
//    installs only the build machine's), which would ship an app whose syscalls cannot load;
// 2. generate the helper wrapper and polkit policy that deb.fpm maps into the package, from
//    native/polkit, and the command-line wrapper and guard user unit (prepare-cli-files.ts).
//    electron-builder cannot load TypeScript hooks, so that part runs with tsx.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// builder-util's Arch enum values.
const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

/** Called once per platform/arch before packing. */
exports.default = async function beforePack(context) {
  const root = join(__dirname, '..');
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const koffiVersion = JSON.parse(readFileSync(join(root, 'node_modules/koffi/package.json'), 'utf8')).version;
  const platformPackage = `@koromix/koffi-linux-${arch}`;
  if (!existsSync(join(root, 'node_modules', platformPackage, 'package.json'))) {
    throw new Error(
      `cannot package Headroom for ${arch}: node_modules/${platformPackage} is not installed (npm installs only this machine's koffi platform package). ` +
        `Build on an ${arch} machine, or first run: npm install --no-save --force ${platformPackage}@${koffiVersion}`,
    );
  }
  execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'prepare-polkit-files.ts')], { cwd: root, stdio: 'inherit' });
  execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'prepare-cli-files.ts')], { cwd: root, stdio: 'inherit' });
};
