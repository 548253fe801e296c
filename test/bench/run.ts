/**
 * `npm run bench [-- sampler|sampler-worker|steady|reap|ui|soak|guard|start|recorder|history-window|click|delta|window-footprint ...]`: the benchmarks, each printing its numbers and its ratios
 * against a baseline measured in the same run. With no argument, all of them run, one after the
 * other (they must not share the two cores), except the long ones, which run only when named: the
 * hour-long soak (HR_SOAK_MINUTES shortens it) and window-footprint (~13 minutes).
 */
const BENCHES: Record<string, () => Promise<unknown>> = {
  sampler: async () => (await import('./sampler.js')).benchSampler(),
  'sampler-worker': async () => (await import('./sampler-worker.js')).benchSamplerWorker(),
  reap: async () => (await import('./reap.js')).benchReap(),
  start: async () => (await import('./start.js')).benchStart(),
  click: async () => (await import('./click.js')).benchClick(),
  steady: async () => (await import('./steady.js')).benchSteady(),
  ui: async () => (await import('./ui.js')).benchUi(),
  'history-window': async () => (await import('./history-window.js')).benchHistoryWindow(),
  soak: async () => (await import('./soak.js')).benchSoak(),
  guard: async () => (await import('./guard.js')).benchGuard(),
  recorder: async () => (await import('./recorder.js')).benchRecorder(),
  delta: async () => (await import('./delta.js')).benchDelta(),
  'window-footprint': async () => (await import('./window-footprint.js')).benchWindowFootprint(),
};
/** Not part of a plain `npm run bench`: they take an hour and ~13 minutes. */
const ONLY_WHEN_NAMED = new Set(['soak', 'window-footprint']);

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => !(a in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')} (choose from: ${Object.keys(BENCHES).join(', ')})\n`);
    return 2;
  }
  const chosen = args.length > 0 ? args : Object.keys(BENCHES).filter((name) => !ONLY_WHEN_NAMED.has(name));
  let failed = 0;
  for (const name of chosen) {
    process.stdout.write(`\n=== bench: ${name} ===\n`);
    const started = Date.now();
    try {
      const result = await BENCHES[name]!();
      if (result !== undefined) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(`=== ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`=== ${name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)} ===\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
