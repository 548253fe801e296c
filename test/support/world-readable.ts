/**
 * Code that a test runs as another user must be readable by that user, but the checkout may be
 * private (CI clones into a `mktemp -d` folder, mode 0700, where nobody else can even traverse).
 * These helpers copy what is needed to a place any user can read: the built Node code with its
 * runtime packages, or one script. Root owns the copies; nobody else may write them.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const CHECKOUT = join(__dirname, '..', '..');

/** What `dist/main/cli.js` and the helper need at run time: the build and the runtime packages. */
export const RUNTIME_PARTS = ['dist/contract', 'dist/main', 'dist/native', 'node_modules/koffi', 'node_modules/@koromix', 'node_modules/ws'] as const;

/** Copy the runtime parts of this checkout's build under `root` (replacing what was there), readable by all. */
export function installRuntimeCopy(root: string): void {
  if (!existsSync(join(CHECKOUT, 'dist/main/cli.js'))) throw new Error('build first: npm run build');
  rmSync(root, { recursive: true, force: true });
  for (const part of RUNTIME_PARTS) {
    if (existsSync(join(CHECKOUT, part))) cpSync(join(CHECKOUT, part), join(root, part), { recursive: true, dereference: true });
  }
  writeFileSync(join(root, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  // Everyone may read and traverse, nobody else may write.
  execFileSync('chmod', ['-R', 'u=rwX,go=rX', root]);
}

/**
 * A copy of the runtime parts in a new folder under the temp directory, for one test file: its
 * `cli` path runs `headroom` as any user; `remove()` deletes it (call it in afterAll).
 */
export function runtimeCopyForOtherUsers(): { root: string; cli: string; remove(): void } {
  const root = join(tmpdir(), `headroom-test-runtime-${process.pid}`);
  installRuntimeCopy(root);
  chmodSync(root, 0o755);
  return { root, cli: join(root, 'dist', 'main', 'cli.js'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * One script at a path any user can read: one fixed folder of ours in the temp directory, the file
 * replaced atomically, so test runs leave nothing to pile up; the folder must be a real folder of
 * ours (not a link someone else planted).
 */
export function worldReadableScript(source: string): string {
  const dir = join(tmpdir(), 'headroom-test-hog');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const info = lstatSync(dir);
  if (!info.isDirectory() || info.uid !== process.getuid!()) throw new Error(`${dir} is not a folder owned by this user; remove it and run again`);
  chmodSync(dir, 0o755);
  const target = join(dir, basename(source));
  const staged = `${target}.${process.pid}`;
  copyFileSync(source, staged);
  chmodSync(staged, 0o644);
  renameSync(staged, target);
  return target;
}
