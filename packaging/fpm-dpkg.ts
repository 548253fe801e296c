/**
 * Our fpm for offline builds: electron-builder runs it (env CUSTOM_FPM_PATH=packaging/fpm-dpkg.sh)
 * with the arguments it would give fpm, and it builds the deb with dpkg-deb. Exit 2 on a command
 * line it does not understand, 1 when the build fails.
 */
import { buildDebFromFpm } from './deb-from-fpm';
import { FpmUsageError, parseFpmArgs } from './fpm-args';

try {
  const invocation = parseFpmArgs(process.argv.slice(2));
  const deb = buildDebFromFpm(invocation);
  process.stdout.write(`fpm-dpkg: built ${deb} with dpkg-deb (${invocation.mappings.length} mappings, depends: ${invocation.depends.join(', ')})\n`);
} catch (err) {
  process.stderr.write(`fpm-dpkg: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof FpmUsageError ? 2 : 1;
}
