/**
 * Idempotent setup for the privileged tests (run as root): the system bus and polkitd, two test
 * users, a root-owned copy of the built code, the helper wrapper at a test path, the generated
 * policy for that path, and a rules file that says YES to one user and NO to the other.
 *
 * The policy must carry the real action id (io.headroom.reap), so it is installed as
 * /usr/share/polkit-1/actions/io.headroom.reap.policy. If that file exists and is not ours (the deb
 * is installed), setup refuses rather than clobber it: two policies for one action would make the
 * result depend on file order, and removing the deb's file would break the installed app.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helperWrapperScript, renderPolicy } from '../../native/polkit/policy';
import { POLICY_INSTALL_PATH, POLKIT_ACTION_ID } from '../../native/polkit/paths';
import { installRuntimeCopy } from '../support/world-readable';

export const ALLOWED_USER = 'headroom-allowed';
export const DENIED_USER = 'headroom-denied';
/** Root-owned copy of dist/ and the node_modules the helper and the CLI need. */
export const INSTALL_ROOT = '/usr/local/lib/headroom-test';
export const TEST_HELPER_PATH = '/usr/local/libexec/headroom-test/headroom-helper';
export const RULES_PATH = '/etc/polkit-1/rules.d/50-headroom-test.rules';

const CHECKOUT = join(__dirname, '..', '..');

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** The test user `name` (created without a home or a shell if missing). */
export function ensureUser(name: string): TestUser {
  if (spawnSync('id', ['-u', name]).status !== 0) {
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

function installCode(): void {
  installRuntimeCopy(INSTALL_ROOT);
  execFileSync('chown', ['-R', 'root:root', INSTALL_ROOT]);
  chmodSync('/usr/local/lib', 0o755);
}

function installHelper(): void {
  mkdirSync(join(TEST_HELPER_PATH, '..'), { recursive: true, mode: 0o755 });
  writeFileSync(TEST_HELPER_PATH, helperWrapperScript({ nodeCommand: [process.execPath], helperScript: join(INSTALL_ROOT, 'dist/native/helper/main.js') }), { mode: 0o755 });
  chmodSync(TEST_HELPER_PATH, 0o755);
}

function installPolicy(): void {
  if (existsSync(POLICY_INSTALL_PATH) && !readFileSync(POLICY_INSTALL_PATH, 'utf8').includes(TEST_HELPER_PATH)) {
    throw new Error(`${POLICY_INSTALL_PATH} is already installed (by the deb?) and points elsewhere; the privileged tests will not overwrite it. Run them on a machine without the Headroom deb.`);
  }
  writeFileSync(POLICY_INSTALL_PATH, renderPolicy({ helperPath: TEST_HELPER_PATH }), { mode: 0o644 });
  writeFileSync(RULES_PATH, testRules("Headroom's privileged tests (test/privileged/setup.ts)"), { mode: 0o644 });
}

/** A polkit rules file that grants the action to ALLOWED_USER, denies it to DENIED_USER, and decides nothing else. */
export function testRules(writtenBy: string): string {
  return `// ${writtenBy}: decide ${POLKIT_ACTION_ID} for the two test users only.
polkit.addRule(function (action, subject) {
  if (action.id !== "${POLKIT_ACTION_ID}") return polkit.Result.NOT_HANDLED;
  if (subject.user === "${ALLOWED_USER}") return polkit.Result.YES;
  if (subject.user === "${DENIED_USER}") return polkit.Result.NO;
  return polkit.Result.NOT_HANDLED;
});
`;
}

/** polkitd notices new files through inotify; wait until it knows the action. */
async function waitForPolicy(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (spawnSync('pkaction', ['--action-id', POLKIT_ACTION_ID]).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`polkitd did not pick up ${POLICY_INSTALL_PATH} within 10 s`);
}

/** Everything the privileged tests need; safe to call repeatedly. Needs root. */
export async function setupPrivileged(): Promise<{ allowed: TestUser; denied: TestUser }> {
  if (process.geteuid?.() !== 0) throw new Error('the privileged tests must run as root (they create users and install a polkit policy)');
  if (!existsSync(join(CHECKOUT, 'dist/native/helper/main.js'))) throw new Error('build first: npx tsc -p tsconfig.build.json');
  execFileSync('sh', [join(__dirname, 'start-services.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const allowed = ensureUser(ALLOWED_USER);
  const denied = ensureUser(DENIED_USER);
  installCode();
  installHelper();
  installPolicy();
  await waitForPolicy();
  // The rules file is read on the same inotify event; give polkitd a moment to reload its JS rules.
  await new Promise((r) => setTimeout(r, 500));
  return { allowed, denied };
}

/** Remove the rules, the policy and the test install (the users stay; they own nothing). */
export function cleanupPrivileged(): void {
  rmSync(RULES_PATH, { force: true });
  if (existsSync(POLICY_INSTALL_PATH) && readFileSync(POLICY_INSTALL_PATH, 'utf8').includes(TEST_HELPER_PATH)) rmSync(POLICY_INSTALL_PATH);
  rmSync(join(TEST_HELPER_PATH, '..'), { recursive: true, force: true });
  rmSync(INSTALL_ROOT, { recursive: true, force: true });
}

/** Run the installed `headroom` CLI as `user`; resolves with its exit code and output. */
export function runCliAs(user: TestUser, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNodeAs(user, [join(INSTALL_ROOT, 'dist/main/cli.js'), ...args]);
}

/** Run node with `args` as `user` (cwd /, a minimal environment plus the test helper path). */
export function runNodeAs(user: TestUser, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HEADROOM_HELPER_PATH: TEST_HELPER_PATH, HOME: '/' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
