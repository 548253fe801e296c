// Built, main and the helper validate with dist/contract/zod.js: a bundle of only the part of zod
// that contract/zod.ts lists (vite.zod.config.mts), not the whole package. These checks hold the
// bundle to the package: the built contract loads nothing of the package, the bundle exports exactly
// the listed names, and the built schemas give the same verdicts and the same messages, word for
// word, as the same schemas run from source on the package.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as listed from '../../contract/zod';
import { WireRequestSchema } from '../../contract/wire';
import { ReapRequestSchema } from '../../contract/reap';
import { SettingsPatchSchema } from '../../contract/settings';
import { RecordedEventSchema } from '../../contract/record';
import { SnapshotSchema } from '../../contract/snapshot';
import { HelperRequestSchema } from '../../native/helper/protocol';

const DIST = join(__dirname, '..', '..', 'dist');

/** The schemas compared, as [module under dist/ and contract/, export name]. */
const SCHEMAS = {
  wire: ['contract/wire', 'WireRequestSchema'],
  reap: ['contract/reap', 'ReapRequestSchema'],
  settings: ['contract/settings', 'SettingsPatchSchema'],
  record: ['contract/record', 'RecordedEventSchema'],
  snapshot: ['contract/snapshot', 'SnapshotSchema'],
  helper: ['native/helper/protocol', 'HelperRequestSchema'],
} as const;
const FROM_SOURCE = {
  wire: WireRequestSchema,
  reap: ReapRequestSchema,
  settings: SettingsPatchSchema,
  record: RecordedEventSchema,
  snapshot: SnapshotSchema,
  helper: HelperRequestSchema,
};

/** Good and bad inputs: wrong types, missing and unknown keys, out of range, bad enums and literals, wrong shapes. */
const INPUTS: [keyof typeof SCHEMAS, unknown][] = [
  ['wire', { id: 1, call: 'getStatus', params: {} }],
  ['wire', { id: 1, call: 5, params: {} }],
  ['wire', { id: -1, call: 'getStatus', params: {}, extra: true }],
  ['wire', 'not an object'],
  ['reap', { targets: [{ pid: 1234, startTime: 99 }], mode: 'reap' }],
  ['reap', { targets: [], mode: 'reap' }],
  ['reap', { targets: [{ pid: 1.5, startTime: -1 }], mode: 'explode' }],
  ['reap', { targets: [{ pid: 0 }], mode: 'reap', force: 'yes' }],
  ['settings', { intervalMs: 2000 }],
  ['settings', { intervalMs: 'fast', endGraceMs: -5, unknownKey: 1 }],
  ['record', { time: 1, kind: 'reap', label: 'x', detail: '', freedBytes: 1, mreleaseMs: 1, availableBeforeBytes: 1, recoveredMs: null, victim: null }],
  ['record', { time: 1, kind: 'nonsense' }],
  ['snapshot', { takenAt: 'yesterday' }],
  ['helper', { id: 1, op: 'hello' }],
  ['helper', { id: 1, op: 'reap', targets: [{ pid: 1 }] }],
  ['helper', { id: 'one', op: 'HELLO' }],
  ['helper', null],
];

/** What a parse says, comparable across module instances: the verdict, and each issue's code, path and message. */
function verdict(result: { success: boolean; error?: { issues: { code: string; path: PropertyKey[]; message: string }[] } }): string {
  if (result.success) return 'ok';
  return JSON.stringify(result.error!.issues.map((i) => ({ code: i.code, path: i.path.map(String), message: i.message })));
}

/** Run `script` in a fresh node (the built code, as main runs it) and return what it printed as JSON. */
function inFreshNode<T>(script: string): T {
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe("main's zod (the bundle in dist/contract/zod.js)", () => {
  it('is all the built contract and the helper protocol load: nothing of the zod package, nothing else from node_modules', () => {
    const modules = Object.values(SCHEMAS).map(([path]) => join(DIST, `${path}.js`));
    const loaded = inFreshNode<string[]>(`
      for (const m of ${JSON.stringify(modules)}) require(m);
      console.log(JSON.stringify(Object.keys(require.cache)));`);
    expect(loaded.filter((m) => m.includes('/node_modules/'))).toEqual([]);
    expect(loaded).toContain(join(DIST, 'contract', 'zod.js'));
  });

  it('exports exactly the names contract/zod.ts lists', () => {
    const names = inFreshNode<string[]>(`console.log(JSON.stringify(Object.keys(require(${JSON.stringify(join(DIST, 'contract', 'zod.js'))}))))`);
    expect(names.sort()).toEqual(Object.keys(listed).sort());
  });

  it('gives the same verdicts and messages as the package for good and bad input', () => {
    const fromDist = inFreshNode<string[]>(`
      const schemas = ${JSON.stringify(SCHEMAS)};
      const inputs = ${JSON.stringify(INPUTS)};
      const verdict = ${verdict.toString()};
      console.log(JSON.stringify(inputs.map(([which, input]) => {
        const [path, name] = schemas[which];
        return verdict(require(${JSON.stringify(DIST)} + '/' + path + '.js')[name].safeParse(input));
      })));`);
    const fromSource = INPUTS.map(([which, input]) => verdict(FROM_SOURCE[which].safeParse(input)));
    // Both good and bad inputs are in the list, so the comparison covers both kinds of answer.
    expect(fromSource.filter((v) => v === 'ok').length).toBeGreaterThanOrEqual(3);
    expect(fromSource.filter((v) => v !== 'ok').length).toBeGreaterThanOrEqual(10);
    expect(fromDist).toEqual(fromSource);
  });
});
