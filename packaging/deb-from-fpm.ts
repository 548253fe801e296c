/**
 * Build a .deb with dpkg-deb from what electron-builder asked fpm for: stage every SRC=DEST mapping
 * under one root, normalise permissions (directories and executables 0755, other files 0644, so the
 * builder's umask or a group-writable checkout never reaches users' systems), write DEBIAN/control,
 * the maintainer scripts and md5sums, and let `dpkg-deb --root-owner-group` make everything owned by
 * root.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { debianDescription, FpmUsageError, type FpmInvocation } from './fpm-args';

const DPKG_COMPRESSION: Record<FpmInvocation['compression'], string | null> = { xz: 'xz', gz: 'gzip', zst: 'zstd', none: 'none', bzip2: null };

/** Build the package described by `inv` at inv.packagePath; returns that path. */
export function buildDebFromFpm(inv: FpmInvocation): string {
  const compression = DPKG_COMPRESSION[inv.compression];
  if (compression === null) throw new FpmUsageError(`dpkg-deb cannot build with --deb-compression ${inv.compression}; use xz, gz, zst or none`);
  if (existsSync(inv.packagePath) && !inv.force) throw new FpmUsageError(`${inv.packagePath} exists (fpm needs --force to overwrite it)`);
  const root = mkdtempSync(join(tmpdir(), 'headroom-deb-'));
  try {
    chmodSync(root, 0o755);
    for (const { source, destination } of inv.mappings) stage(source, join(root, destination));
    normalisePermissions(root);
    const files = listFiles(root);
    const md5sums = files.map((file) => `${md5(join(root, file))}  ${file}`);
    const installedKiB = files.reduce((kib, file) => kib + Math.ceil(lstatSync(join(root, file)).size / 1024), 0);
    const control = join(root, 'DEBIAN');
    mkdirSync(control, { mode: 0o755 });
    writeFileSync(join(control, 'control'), controlFile(inv, installedKiB), { mode: 0o644 });
    writeFileSync(join(control, 'md5sums'), md5sums.join('\n') + '\n', { mode: 0o644 });
    if (inv.afterInstall) writeScript(inv.afterInstall, join(control, 'postinst'));
    if (inv.afterRemove) writeScript(inv.afterRemove, join(control, 'postrm'));
    mkdirSync(dirname(inv.packagePath), { recursive: true });
    rmSync(inv.packagePath, { force: true });
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, inv.packagePath], { stdio: ['ignore', 'ignore', 'inherit'] });
    return inv.packagePath;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The DEBIAN/control text for `inv`. */
export function controlFile(inv: FpmInvocation, installedKiB: number): string {
  const fields: [string, string | undefined][] = [
    ['Package', inv.name],
    ['Version', inv.iteration ? `${inv.version}-${inv.iteration}` : inv.version],
    ['Architecture', inv.architecture],
    ['Maintainer', inv.maintainer],
    ['Installed-Size', String(installedKiB)],
    ['Depends', inv.depends.length > 0 ? inv.depends.join(', ') : undefined],
    ['Recommends', inv.recommends.length > 0 ? inv.recommends.join(', ') : undefined],
    ['Section', inv.category],
    ['Priority', inv.priority],
    ['Homepage', inv.url],
    ['Description', debianDescription(inv.description)],
  ];
  for (const [name, value] of fields) {
    if (value !== undefined && name !== 'Description' && /\n/.test(value)) throw new FpmUsageError(`${name} must be one line`);
  }
  return fields.filter(([, value]) => value !== undefined && value !== '').map(([name, value]) => `${name}: ${value}`).join('\n') + '\n';
}

// fpm's dir source: a directory's contents go into DEST, a file becomes DEST (or DEST/name when DEST ends in '/').
function stage(source: string, target: string): void {
  if (!existsSync(source)) throw new FpmUsageError(`file not found: ${source}`);
  if (statSync(source).isDirectory()) {
    mkdirSync(target, { recursive: true });
    cpSync(source, target, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  } else {
    const file = target.endsWith('/') ? join(target, source.split('/').pop()!) : target;
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) throw new FpmUsageError(`two mappings write ${file}`);
    copyFileSync(source, file);
  }
}

function normalisePermissions(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) normalisePermissions(path);
    else if (entry.isFile()) chmodSync(path, lstatSync(path).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Regular files under `root`, relative, sorted (symlinks are not listed in md5sums). */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(root, path));
    }
  };
  walk(root);
  return out.filter((file) => !file.startsWith('DEBIAN/')).sort();
}

function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

function writeScript(source: string, target: string): void {
  if (!existsSync(source)) throw new FpmUsageError(`maintainer script not found: ${source}`);
  copyFileSync(source, target);
  chmodSync(target, 0o755);
}
