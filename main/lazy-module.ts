/**
 * Load a module the first time it is needed instead of at start: what keeps zod and the contract's
 * schemas (+5.9 MiB of RSS with the bundle contract/zod.ts builds, +14 MiB with the whole package)
 * out of `headroom serve` until a window connects, a reap comes or a settings file has to be parsed
 * (contract/plain.ts holds what main needs before that; docs/BENCHMARKS.md, "Footprint, third pass"
 * and "Seventh pass"). The import stays typed (`typeof import(...)`, erased at build).
 *
 * The path is relative to the project root without extension ('contract/api'). Built, this file is
 * dist/main/lazy-module.js and the module is beside it in dist/. Run from source (vitest, tsx) there is
 * no .js beside the .ts, so the build in dist/ is used, as for the worker threads (npm test builds first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** A getter that requires `path` on its first call and returns the same module after. */
export function lazyModule<T>(path: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      const beside = join(ROOT, `${path}.js`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred loading on purpose (see above)
      loaded = require(existsSync(beside) ? beside : join(ROOT, 'dist', `${path}.js`)) as T;
    }
    return loaded;
  };
}

/**
 * The same for a module used asynchronously, where class identity matters (e.g. an ApiError thrown
 * by a handler and checked by the module): from source, `importer` (an `import()` of the .ts) loads
 * it through the test runner's own module graph instead of the copy in dist/.
 */
export function lazyModuleAsync<T>(path: string, importer: () => Promise<T>): () => Promise<T> {
  const beside = join(ROOT, `${path}.js`);
  if (!existsSync(beside)) return importer;
  const load = lazyModule<T>(path);
  return () => Promise.resolve().then(load);
}
