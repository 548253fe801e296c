/**
 * Parse the fpm command line electron-builder's FpmTarget builds (`fpm -s dir --force -t deb -d DEP …
 * --package OUT --name N … SRC=DEST …`), so packaging/fpm-dpkg.ts can build the same package with
 * dpkg-deb. Only what electron-builder passes is accepted; anything else is an error naming the
 * option, rather than a package silently built without it.
 */

/** One `src=dest` argument: put `source` (a file or a directory's contents) at `destination`. */
export interface FpmMapping {
  source: string;
  destination: string;
}

/** What electron-builder asked fpm to build. */
export interface FpmInvocation {
  name: string;
  version: string;
  /** fpm --iteration: the Debian revision, appended as `version-iteration`. */
  iteration?: string;
  architecture: string;
  maintainer: string;
  /** First line: the synopsis; the rest: the extended description (lines as given, leading space trimmed). */
  description: string;
  url?: string;
  license?: string;
  vendor?: string;
  category?: string;
  priority?: string;
  depends: string[];
  recommends: string[];
  /** Paths to the maintainer scripts electron-builder rendered from its templates (or ours). */
  afterInstall?: string;
  afterRemove?: string;
  compression: 'xz' | 'gz' | 'bzip2' | 'zst' | 'none';
  packagePath: string;
  force: boolean;
  mappings: FpmMapping[];
}

/** A command line this stand-in for fpm does not understand: exit 2 with this message. */
export class FpmUsageError extends Error {}

const VALUE_OPTIONS: Record<string, keyof FpmInvocation | 'source-type' | 'target-type' | 'log' | null> = {
  '-s': 'source-type',
  '-t': 'target-type',
  '--name': 'name',
  '--version': 'version',
  '--iteration': 'iteration',
  '--architecture': 'architecture',
  '--maintainer': 'maintainer',
  '--description': 'description',
  '--url': 'url',
  '--license': 'license',
  '--vendor': 'vendor',
  '--category': 'category',
  '--deb-priority': 'priority',
  '--after-install': 'afterInstall',
  '--after-remove': 'afterRemove',
  '--deb-compression': 'compression',
  '--package': 'packagePath',
  '--log': 'log',
};
const REPEATED_OPTIONS: Record<string, 'depends' | 'recommends'> = { '-d': 'depends', '--depends': 'depends', '--deb-recommends': 'recommends' };
const FLAG_OPTIONS = new Set(['--force', '--debug']);
const COMPRESSIONS = new Set(['xz', 'gz', 'bzip2', 'zst', 'none']);

/** Parse fpm's argv (without the program name). Throws FpmUsageError naming what is wrong. */
export function parseFpmArgs(argv: readonly string[]): FpmInvocation {
  const values = new Map<string, string>();
  const lists = { depends: [] as string[], recommends: [] as string[] };
  const mappings: FpmMapping[] = [];
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg in VALUE_OPTIONS || arg in REPEATED_OPTIONS) {
      const value = argv[++i];
      if (value === undefined) throw new FpmUsageError(`${arg} needs a value`);
      if (arg in REPEATED_OPTIONS) lists[REPEATED_OPTIONS[arg]!].push(value);
      else values.set(VALUE_OPTIONS[arg]!, value);
    } else if (FLAG_OPTIONS.has(arg)) {
      if (arg === '--force') force = true;
    } else if (arg.startsWith('-')) {
      throw new FpmUsageError(`unsupported fpm option ${arg}: packaging/fpm-dpkg.ts builds debs from what electron-builder passes (see packaging/fpm-args.ts)`);
    } else {
      mappings.push(parseMapping(arg));
    }
  }
  if (values.get('source-type') !== 'dir') throw new FpmUsageError(`only -s dir is supported, got -s ${values.get('source-type') ?? '(none)'}`);
  if (values.get('target-type') !== 'deb') throw new FpmUsageError(`only -t deb is supported, got -t ${values.get('target-type') ?? '(none)'}`);
  const required = (key: string): string => {
    const value = values.get(key);
    if (value === undefined || value.trim() === '') throw new FpmUsageError(`missing --${key === 'packagePath' ? 'package' : key}`);
    return value;
  };
  const compression = values.get('compression') ?? 'xz';
  if (!COMPRESSIONS.has(compression)) throw new FpmUsageError(`unsupported --deb-compression ${compression}`);
  if (mappings.length === 0) throw new FpmUsageError('no files to package (expected SRC=DEST arguments)');
  return {
    name: required('name'),
    version: required('version'),
    iteration: values.get('iteration'),
    architecture: required('architecture'),
    maintainer: required('maintainer'),
    description: required('description'),
    url: values.get('url'),
    license: values.get('license'),
    vendor: values.get('vendor'),
    category: values.get('category'),
    priority: values.get('priority'),
    depends: lists.depends,
    recommends: lists.recommends,
    afterInstall: values.get('afterInstall'),
    afterRemove: values.get('afterRemove'),
    compression: compression as FpmInvocation['compression'],
    packagePath: required('packagePath'),
    force,
    mappings,
  };
}

function parseMapping(arg: string): FpmMapping {
  // fpm splits on the last '=' that is followed by an absolute path; sources may contain '='.
  const at = arg.lastIndexOf('=/');
  if (at <= 0) throw new FpmUsageError(`expected SRC=/DEST, got '${arg}'`);
  const destination = arg.slice(at + 1);
  if (destination.split('/').includes('..')) throw new FpmUsageError(`destination must not contain '..': '${arg}'`);
  return { source: arg.slice(0, at), destination };
}

/**
 * The Debian control Description field from fpm's --description: a one-line synopsis, then the
 * extended description wrapped to 79 columns, each line indented by one space, empty lines as " .".
 */
export function debianDescription(description: string): string {
  const lines = description.split('\n').map((line) => line.trim());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  const [synopsis, ...rest] = lines;
  if (!synopsis) throw new FpmUsageError('the description is empty');
  while (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  return [synopsis, ...rest.flatMap((line) => (line === '' ? [' .'] : wrap(line, 78).map((part) => ` ${part}`)))].join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(line);
  return out;
}
