/**
 * Print the polkit policy or the helper wrapper (for packaging and the privileged test setup):
 *   node dist/native/polkit/generate.js policy [--helper-path P]
 *   node dist/native/polkit/generate.js wrapper --node /usr/bin/node --helper-script /usr/lib/headroom/dist/native/helper/main.js [--env NAME=value]…
 * --helper-path defaults to HELPER_INSTALL_PATH. Exit 2 on bad arguments.
 */
import { HELPER_INSTALL_PATH } from './paths';
import { helperWrapperScript, renderPolicy } from './policy';

function main(argv: string[]): number {
  const [what, ...rest] = argv;
  const values = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`expected --flag value pairs, got '${flag}'`);
    values.set(flag, [...(values.get(flag) ?? []), value]);
  }
  const one = (flag: string): string | undefined => values.get(flag)?.at(-1);
  if (what === 'policy') {
    process.stdout.write(renderPolicy({ helperPath: one('--helper-path') ?? HELPER_INSTALL_PATH }));
    return 0;
  }
  if (what === 'wrapper') {
    const node = values.get('--node');
    const helperScript = one('--helper-script');
    if (!node || !helperScript) throw new Error('wrapper needs --node and --helper-script');
    const environment = Object.fromEntries((values.get('--env') ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    process.stdout.write(helperWrapperScript({ nodeCommand: node, helperScript, environment }));
    return 0;
  }
  throw new Error("say 'policy' or 'wrapper'");
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
