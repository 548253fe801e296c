/** The generated polkit policy and helper wrapper: valid, exact, and the committed copy has not drifted. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_INSTALL_PATH, POLKIT_ACTION_ID } from '../../native/polkit/paths';
import { helperWrapperScript, renderPolicy } from '../../native/polkit/policy';

const CHECKOUT = join(__dirname, '..', '..');

describe('renderPolicy', () => {
  it('is valid against polkit\'s DTD, with the exact action, defaults and exec.path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-policy-'));
    try {
      const file = join(dir, 'p.policy');
      const xml = renderPolicy({ helperPath: '/opt/x/headroom-helper' });
      writeFileSync(file, xml);
      const lint = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/polkit-1/policyconfig-1.dtd', file], { encoding: 'utf8' });
      expect(lint.stderr).toBe('');
      expect(lint.status).toBe(0);
      expect(xml).toContain(`<action id="${POLKIT_ACTION_ID}">`);
      // The DTD accepts any text in <allow_*>: check the values themselves.
      expect(xml).toMatch(/<allow_any>auth_admin<\/allow_any>/);
      expect(xml).toMatch(/<allow_inactive>auth_admin<\/allow_inactive>/);
      expect(xml).toMatch(/<allow_active>auth_admin_keep<\/allow_active>/);
      expect(xml).toContain('<annotate key="org.freedesktop.policykit.exec.path">/opt/x/headroom-helper</annotate>');
      expect(xml).toContain('<annotate key="org.freedesktop.policykit.exec.allow_gui">true</annotate>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a relative or odd helper path', () => {
    expect(() => renderPolicy({ helperPath: 'headroom-helper' })).toThrow(/absolute/);
    expect(() => renderPolicy({ helperPath: '/usr/lib/a b' })).toThrow();
    expect(() => renderPolicy({ helperPath: '/usr/lib/"><x' })).toThrow();
  });

  it('matches the committed native/polkit/io.headroom.reap.policy (generated for the deb path)', () => {
    expect(readFileSync(join(CHECKOUT, 'native/polkit/io.headroom.reap.policy'), 'utf8')).toBe(renderPolicy({ helperPath: HELPER_INSTALL_PATH }));
  });
});

describe('helperWrapperScript', () => {
  const helperScript = join(CHECKOUT, 'dist/native/helper/main.js');

  it('runs the helper with an empty environment and refuses arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-wrapper-'));
    try {
      const wrapper = join(dir, 'headroom-helper');
      writeFileSync(wrapper, helperWrapperScript({ nodeCommand: [process.execPath], helperScript }), { mode: 0o755 });
      const withArg = spawnSync(wrapper, ['--evil'], { encoding: 'utf8', input: '' });
      expect(withArg.status).toBe(2);
      expect(withArg.stderr).toMatch(/takes no arguments/);
      const hello = spawnSync(wrapper, [], { encoding: 'utf8', input: '{"id":7,"op":"hello"}\n', env: { ...process.env, NODE_OPTIONS: '--require /nonexistent/evil.js' } });
      // env -i dropped NODE_OPTIONS, or node would have failed to start.
      expect(hello.status).toBe(0);
      expect(JSON.parse(hello.stdout)).toMatchObject({ id: 7, ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts only absolute, plain paths', () => {
    expect(() => helperWrapperScript({ nodeCommand: ['node'], helperScript })).toThrow(/absolute/);
    expect(() => helperWrapperScript({ nodeCommand: ['/usr/bin/node', '$(reboot)'], helperScript })).toThrow();
    expect(() => helperWrapperScript({ nodeCommand: ['/usr/bin/node'], helperScript: '/tmp/x;reboot' })).toThrow();
    expect(helperWrapperScript({ nodeCommand: ['/opt/Headroom/headroom'], helperScript: '/opt/Headroom/h.js', environment: { ELECTRON_RUN_AS_NODE: '1' } })).toContain(
      'exec /usr/bin/env -i ELECTRON_RUN_AS_NODE=1 /opt/Headroom/headroom /opt/Headroom/h.js',
    );
  });
});
