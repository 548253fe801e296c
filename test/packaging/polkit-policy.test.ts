// The policy the deb installs (rendered by native/polkit for HELPER_INSTALL_PATH), checked with
// xmllint against polkit's own DTD — which accepts any text in <allow_*>, so those are read back
// and checked separately.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPER_INSTALL_PATH, POLKIT_ACTION_ID } from '../../native/polkit/paths';
import { packagedPolicy } from '../../packaging/prepare-polkit-files';

const DTD = '/usr/share/polkit-1/policyconfig-1.dtd';
const dir = mkdtempSync(join(tmpdir(), 'headroom-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writePolicy(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
function xpath(file: string, expression: string): string {
  return execFileSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' }).trim();
}

describe('polkit policy installed by the deb', () => {
  const file = writePolicy(`${POLKIT_ACTION_ID}.policy`, packagedPolicy());

  it('validates against polkit\'s policyconfig DTD with xmllint', () => {
    const result = spawnSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('asks for an administrator every time except in an active session, where the answer is kept', () => {
    const action = `/policyconfig/action[@id="${POLKIT_ACTION_ID}"]/defaults`;
    expect(xpath(file, `string(${action}/allow_any)`)).toBe('auth_admin');
    expect(xpath(file, `string(${action}/allow_inactive)`)).toBe('auth_admin');
    expect(xpath(file, `string(${action}/allow_active)`)).toBe('auth_admin_keep');
  });

  it('names exactly HELPER_INSTALL_PATH as the program pkexec may run for this action', () => {
    expect(xpath(file, `string(/policyconfig/action[@id="${POLKIT_ACTION_ID}"]/annotate[@key="org.freedesktop.policykit.exec.path"])`)).toBe(HELPER_INSTALL_PATH);
    expect(xpath(file, 'count(/policyconfig/action)')).toBe('1');
  });

  it('the DTD check is real: a misspelt element fails it', () => {
    const broken = writePolicy('broken.policy', packagedPolicy().replace(/allow_any>/g, 'allow_anyone>'));
    const result = spawnSync('xmllint', ['--noout', '--dtdvalid', DTD, broken], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/allow_anyone/);
  });
});
