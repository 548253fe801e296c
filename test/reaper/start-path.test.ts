// The fast start paths (docs/BENCHMARKS.md, "Start"): `headroom reap` of one's own process and the
// helper's hello do not load zod, and still behave exactly as the full paths do.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { CLI_END_GRACE_MS } from '../../main/cli/reap';
import { quickHello } from '../../native/helper/hello';
import { HELPER_IDLE_MS } from '../../native/helper/lines';
import { answer, type HelperState } from '../../native/helper/serve';
import { killChildren } from '../support/idle-children';
import { isZodModule } from '../support/zod-modules';

const DIST = join(__dirname, '..', '..', 'dist');
const temp = mkdtempSync(join(tmpdir(), 'headroom-start-path-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/**
 * A preload that records every module file the process loaded: at its first write to stdout (into
 * `<out>.first`) and at exit (into `out`).
 */
function recordingPreload(out: string): string {
  const file = join(temp, `record-${out.split('/').pop()}.cjs`);
  writeFileSync(
    file,
    `const fs = require('fs'); const list = () => Object.keys(require.cache).join('\\n');
process.on('exit', () => fs.writeFileSync(${JSON.stringify(out)}, list()));
const write = process.stdout.write.bind(process.stdout); let first = true;
process.stdout.write = (...args) => { if (first) { first = false; fs.writeFileSync(${JSON.stringify(out + '.first')}, list()); } return write(...args); };
`,
  );
  return file;
}

const features = { pidfd: true, processMrelease: true, cgroupKill: true, lockedBytes: 0, uid: 0, nice: 0 };
const state: HelperState = { features, protectedPids: new Map([[process.pid, 0]]), idleMs: HELPER_IDLE_MS };
const line = (text: string) => ({ line: Buffer.from(text) });

describe('headroom reap on its fast path', () => {
  it('uses the settings\' default End grace period', () => {
    expect(CLI_END_GRACE_MS).toBe(defaultSettings().endGraceMs);
  });

  it('reaps the person\'s own process without loading zod, and the result still matches the contract', async () => {
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const modules = join(temp, 'reap-modules.txt');
      const run = spawnSync(process.execPath, ['-r', recordingPreload(modules), join(DIST, 'main', 'cli.js'), 'reap', String(victim.pid), '--json'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const loaded = readFileSync(modules, 'utf8').split('\n');
      expect(loaded.some(isZodModule)).toBe(false);
      expect(loaded.some((m) => m.endsWith('/native/reap.js'))).toBe(true);
      const { ReapResultSchema } = await import('../../contract/reap.js');
      expect(ReapResultSchema.parse(JSON.parse(run.stdout))).toMatchObject({ pid: victim.pid, ok: true, via: 'in-process' });
    } finally {
      await killChildren([victim]);
    }
  });
});

describe('the app\'s main thread', () => {
  it('builds the reap service without loading koffi there (the reap worker loads it in its own isolate)', () => {
    const script = `const { createReapService } = require(${JSON.stringify(join(DIST, 'main', 'reaper', 'service.js'))});
      const s = createReapService({ sessionCritical: () => [], endGraceMs: () => 5000 });
      const koffi = Object.keys(require.cache).some((m) => m.includes('/node_modules/koffi/'));
      s.close().then(() => console.log(JSON.stringify({ koffi })));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ koffi: false });
  });
});

describe('the helper\'s hello before zod', () => {
  it('answers exactly what the full path answers for a valid hello', () => {
    for (const text of ['{"id":0,"op":"hello"}', '{"op":"hello","id":7}', '{"id":9007199254740991,"op":"hello"}']) {
      expect(quickHello(line(text), features, HELPER_IDLE_MS)).toEqual(answer(line(text), state));
    }
  });

  it('leaves everything else to the zod-validated path', () => {
    for (const text of [
      '{"id":1,"op":"hello","extra":true}', '{"id":-1,"op":"hello"}', '{"id":1.5,"op":"hello"}', '{"id":"1","op":"hello"}',
      '{"id":9007199254740992,"op":"hello"}', '{"op":"hello"}', '{"id":1,"op":"HELLO"}', '[1,"hello"]', 'null', 'hello', '{"id":1,"op":"reap","targets":[]}',
      '{"__proto__":{"op":"hello"},"id":1}',
    ]) {
      expect(quickHello(line(text), features, HELPER_IDLE_MS), text).toBeNull();
      expect(answer(line(text), state).ok, text).toBe(false);
    }
    expect(quickHello({ line: Buffer.from([0x7b, 0xff, 0x7d]) }, features, HELPER_IDLE_MS)).toBeNull();
    expect(quickHello({ overlong: true }, features, HELPER_IDLE_MS)).toBeNull();
  });

  it('leaves a hello that shortens the idle time to the full path, which applies it', () => {
    const text = '{"id":5,"op":"hello","idleMs":1000}';
    expect(quickHello(line(text), features, HELPER_IDLE_MS)).toBeNull();
    const own: HelperState = { ...state, idleMs: HELPER_IDLE_MS };
    expect(answer(line(text), own)).toMatchObject({ id: 5, ok: true, idleMs: 1000 });
    expect(own.idleMs).toBe(1000);
  });

  it('the built helper answers hello without having loaded zod, then loads it for the next request', async () => {
    const modules = join(temp, 'helper-modules.txt');
    const child = spawn(process.execPath, ['-r', recordingPreload(modules), join(DIST, 'native', 'helper', 'main.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const replies: string[] = [];
    let buffered = '';
    const next = () =>
      new Promise<string>((resolve) => {
        const check = () => {
          if (replies.length) return resolve(replies.shift()!);
          setTimeout(check, 5);
        };
        check();
      });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        replies.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stdin.write('{"id":1,"op":"hello"}\n');
    const hello = JSON.parse(await next());
    expect(hello).toMatchObject({ id: 1, ok: true, version: '1' });
    // A malformed request gets the full path's precise refusal.
    child.stdin.write('{"id":2,"op":"reap","targets":[{"pid":1}]}\n');
    const refusal = JSON.parse(await next());
    expect(refusal).toMatchObject({ id: 2, ok: false, error: { code: 'BAD_REQUEST' } });
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    expect(readFileSync(modules + '.first', 'utf8').split('\n').some(isZodModule)).toBe(false);
    expect(readFileSync(modules, 'utf8').split('\n').some(isZodModule)).toBe(true);
  });
});
