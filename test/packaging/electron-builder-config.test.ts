// electron-builder.yml, checked by electron-builder's own loader and schema. This is the only check
// the AppImage gets here: its runtime (appimagetool) cannot be downloaded offline, so no AppImage is
// built on this machine — `npm run dist` builds it where there is internet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_ID, PROJECT_ROOT } from '../../packaging/layout';
import { loadBuilderConfig, validateBuilderConfig } from './config';

/** Dependencies that only the renderer uses: Vite bundles them into dist/renderer. */
const RENDERER_ONLY = new Set(['react', 'react-dom', 'recharts']);

let config: Configuration;
beforeAll(async () => {
  config = await loadBuilderConfig();
});

describe('electron-builder.yml (validated by electron-builder 26 itself; no AppImage is built offline)', () => {
  it('passes electron-builder\'s configuration schema, AppImage and deb options included', async () => {
    await expect(validateBuilderConfig(config)).resolves.toBeUndefined();
  });

  it('is really checked: an unknown AppImage option is rejected by the same validation', async () => {
    const broken = { ...config, appImage: { ...config.appImage, installPolkitPolicy: true } } as Configuration;
    await expect(validateBuilderConfig(broken)).rejects.toThrow(/configuration\.appImage should be/);
  });

  it('builds a deb and an AppImage with the app id, name, category and desktop identity asked for', () => {
    expect(config.appId).toBe('io.headroom.Headroom');
    expect(config.productName).toBe('Headroom');
    expect(config.linux?.target).toEqual(['deb', 'AppImage']);
    expect(config.linux?.category).toBe('System;Monitor');
    expect(config.extraMetadata).toMatchObject({ productName: 'Headroom', desktopName: `${DESKTOP_ID}.desktop` });
    expect(config.linux?.syncDesktopName).toBe(true);
    expect(config.linux?.desktop?.entry?.StartupWMClass).toBe(DESKTOP_ID);
    expect(config.linux?.icon).toBe('packaging/icons');
  });

  it('keeps RunAsNode on for the helper and turns off the fuses that let the environment or flags change what runs', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      // The window loads from app://headroom, so file:// keeps no extra privileges.
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('depends on pkexec (or policykit-1 on older releases) and on Electron\'s libraries', () => {
    expect(config.deb?.depends).toContain('pkexec | policykit-1');
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libgbm1']));
  });

  it('ships every runtime dependency of main/ and native/ and none of the renderer-only ones', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // electron-builder normalises `files` into file sets: [{ filter: [...] }].
    const files = ((config.files ?? []) as { filter: string[] }[]).flatMap((set) => set.filter);
    expect(files).toContain('!node_modules/**');
    for (const dep of Object.keys(pkg.dependencies)) {
      const included = files.includes(`node_modules/${dep}/**`);
      expect({ dep, included }).toEqual({ dep, included: !RENDERER_ONLY.has(dep) });
    }
    expect(files).toContain('node_modules/@koromix/**');
  });

  it('unpacks from the asar everything the helper loads as plain Node', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['dist/native/**', 'dist/contract/**', 'node_modules/koffi/**', 'node_modules/@koromix/**']));
    expect(config.npmRebuild).toBe(false);
  });
});
