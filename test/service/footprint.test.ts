// What keeps the serve process small (main/service/footprint.ts, native/malloc.ts, the lazy reap
// worker in main/reaper/in-process.ts), checked in fresh Node processes on the built code: the effect
// of each is real (threads, malloc arenas, memory given back, a real reap of a real hog), not a flag read back.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStat } from '../../native/proc';
import { fixMallocThresholds, limitMallocArenas } from '../../native/malloc';
import { InProcessReaper } from '../../main/reaper/in-process';
import { startHog, stopAllHogs } from '../support/hogs';

const DIST = join(__dirname, '..', '..', 'dist');

/** Run a CommonJS script in a fresh node (start-up env, not vitest's) and parse its last stdout line. */
function runNode<T>(script: string): T {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`the child failed (${result.status}): ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * A child that starts `workers` threads (each allocates through malloc), then prints how many malloc
 * arenas glibc made (malloc_stats' "Arena N:" lines on stderr, counted by the parent).
 */
function arenasWith(cap: boolean, workers: number): number {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const script = `
    ${cap ? `require(${JSON.stringify(join(DIST, 'main/service/footprint.js'))}).applyFootprintLimits();` : ''}
    const { Worker } = require('worker_threads');
    const koffi = require('koffi');
    const mallocStats = koffi.load('libc.so.6').func('void malloc_stats(void)');
    let left = ${workers};
    for (let i = 0; i < ${workers}; i++) {
      const w = new Worker('const b = []; for (let i = 0; i < 200; i++) b.push(Buffer.allocUnsafeSlow(64 * 1024)); require("worker_threads").parentPort.postMessage(b.length); setTimeout(() => {}, 500);', { eval: true });
      w.once('message', () => { if (--left === 0) mallocStats(); });
    }`;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000, cwd: join(__dirname, '..', '..') });
  if (result.status !== 0) throw new Error(`the child failed (${result.status}): ${result.stderr}`);
  return result.stderr.split('\n').filter((l) => /^Arena \d+:/.test(l)).length;
}

/**
 * A child that, like serve's start-up, frees a 4 MiB block malloc had mmapped (glibc then raises its
 * trim threshold to 8 MiB unless the thresholds are fixed), then on a worker thread mallocs, touches and
 * frees 3 MiB in 64 KiB blocks; it reports the process's anonymous KiB before, touched and after the frees.
 */
function topTrimWith(fixed: boolean): { before: number; touched: number; after: number } {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const script = `
    const { Worker } = require('worker_threads');
    const libc = require('koffi').load('libc.so.6');
    ${fixed ? `require(${JSON.stringify(join(DIST, 'main/service/footprint.js'))}).applyFootprintLimits();` : ''}
    libc.func('void free(void *)')(libc.func('void *malloc(size_t)')(4 << 20));
    const w = new Worker(\`
      const fs = require('fs');
      const libc = require('koffi').load('libc.so.6');
      const malloc = libc.func('void *malloc(size_t)'), free = libc.func('void free(void *)'), memset = libc.func('void *memset(void *, int, size_t)');
      const anon = () => Number.parseInt(fs.readFileSync('/proc/self/smaps_rollup', 'utf8').split('Anonymous:')[1].trim(), 10);
      const before = anon();
      const blocks = [];
      for (let i = 0; i < 48; i++) { const p = malloc(64 * 1024); memset(p, 1, 64 * 1024); blocks.push(p); }
      const touched = anon();
      for (const p of blocks.reverse()) free(p);
      require('worker_threads').parentPort.postMessage({ before, touched, after: anon() });
    \`, { eval: true });
    w.once('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });`;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000, cwd: join(__dirname, '..', '..') });
  if (result.status !== 0) throw new Error(`the child failed (${result.status}): ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as { before: number; touched: number; after: number };
}

afterEach(async () => {
  await stopAllHogs();
});

describe('malloc arenas and thresholds', () => {
  it('stay at two with the cap, where four threads make more without it', () => {
    const uncapped = arenasWith(false, 4);
    const capped = arenasWith(true, 4);
    expect(uncapped).toBeGreaterThan(2);
    expect(capped).toBeLessThanOrEqual(2);
  });

  it('refuses a cap that is not a whole number ≥ 1', () => {
    expect(() => limitMallocArenas(0)).toThrow(/whole number ≥ 1/);
    expect(() => limitMallocArenas(1.5)).toThrow(RangeError);
  });

  it("give a thread arena's freed top back to the kernel with the thresholds fixed, where glibc's raised threshold keeps it resident", () => {
    const kept = topTrimWith(false);
    // With two arenas the worker shares its arena with V8's platform threads; one of them allocating
    // atop the freed blocks mid-loop (seen under the full suite's load: 2,824 KiB left once) pins the
    // top for that run alone. Up to three runs: one clean run shows the fix; without the fix glibc's
    // 8 MiB threshold keeps the 3 MiB in every run, so this still fails when the fix is reverted.
    let fixed = topTrimWith(true);
    for (let run = 1; run < 3 && fixed.after - fixed.before >= 512; run++) fixed = topTrimWith(true);
    // Both really touched the 3 MiB (≥ 2.5 MiB more anonymous memory) …
    expect(kept.touched - kept.before).toBeGreaterThan(2560);
    expect(fixed.touched - fixed.before).toBeGreaterThan(2560);
    // … without the fix it stays after the frees; with it, it is gone (less than 0.5 MiB left).
    expect(kept.after - kept.before).toBeGreaterThan(2560);
    expect(fixed.after - fixed.before).toBeLessThan(512);
  });

  it('refuses thresholds outside 4 KiB–32 MiB', () => {
    expect(() => fixMallocThresholds(1024, 128 * 1024)).toThrow(/trim threshold must be a whole number of bytes/);
    expect(() => fixMallocThresholds(128 * 1024, 64 << 20)).toThrow(RangeError);
  });
});

describe("the executable's start-up pages", () => {
  it('are unmapped once (the resident pages of node\'s text and read-only data drop), nothing written or locked is touched, and the process works on', () => {
    const out = runNode<{
      report: { droppedKiB: number; mappings: number; error: string | null };
      exeRssBefore: number;
      exeRssAfter: number;
      privateBefore: string;
      privateAfter: string;
      checksum: number;
      droppableIncludesWritable: boolean;
    }>(`
      const fs = require('fs');
      const { dropCodePages, parseSmaps, droppable } = require(${JSON.stringify(join(DIST, 'native/code-pages.js'))});
      require(${JSON.stringify(join(__dirname, '..', '..', 'node_modules', 'zod'))});
      const exe = fs.realpathSync('/proc/self/exe');
      const maps = () => parseSmaps(fs.readFileSync('/proc/self/smaps', 'utf8'));
      const exeRss = (ms) => ms.filter((m) => m.path === exe).reduce((a, m) => a + m.rssKiB, 0);
      // What must never be touched: every mapping holding a private copy of a page, as "start-end perms anon".
      const privates = (ms) => ms.filter((m) => m.path === exe && m.anonymousKiB > 0).map((m) => m.start.toString(16) + '-' + m.end.toString(16) + ' ' + m.perms + ' ' + m.anonymousKiB).join(';');
      const before = maps();
      const report = dropCodePages();
      const after = maps();
      // The process works on: JSON, regular expressions, a GC, a worker's worth of code paths.
      let checksum = 0;
      for (let i = 0; i < 2000; i++) checksum += JSON.stringify({ i, s: 'x'.repeat(i % 50) }).length + (/([0-9]+)-([0-9]+)/.exec(i + '-' + (i * 3))[2] | 0);
      if (global.gc) global.gc();
      console.log(JSON.stringify({
        report, exeRssBefore: exeRss(before), exeRssAfter: exeRss(after), privateBefore: privates(before), privateAfter: privates(maps()), checksum,
        droppableIncludesWritable: droppable(before, exe).some((m) => m.perms.includes('w') || m.anonymousKiB > 0 || m.lockedKiB > 0),
      }));
    `);
    expect(out.report.error).toBeNull();
    expect(out.report.mappings).toBeGreaterThan(0);
    // Start-up left tens of MiB of the binary mapped; the drop takes most of it off (the few pages touched since come back).
    expect(out.exeRssBefore).toBeGreaterThan(10 * 1024);
    expect(out.report.droppedKiB).toBeGreaterThan(10 * 1024);
    expect(out.exeRssAfter).toBeLessThan(out.exeRssBefore / 2);
    // The relocated (RELRO) and data pages, private copies, are exactly as they were.
    expect(out.privateBefore).not.toBe('');
    expect(out.privateAfter).toBe(out.privateBefore);
    expect(out.droppableIncludesWritable).toBe(false);
    let expected = 0;
    for (let i = 0; i < 2000; i++) expected += JSON.stringify({ i, s: 'x'.repeat(i % 50) }).length + i * 3;
    expect(out.checksum).toBe(expected);
  });
});

describe('the service', () => {
  it('starts no reap worker until a window asks for a snapshot, then one', () => {
    const { before, after, flags } = runNode<{ before: number; after: number; flags: unknown }>(`
      const { readdirSync } = require('fs');
      const { createHeadroomService } = require(${JSON.stringify(join(DIST, 'main/service/headroom-service.js'))});
      const { createMemorySettingsStore } = require(${JSON.stringify(join(DIST, 'main/service/memory-settings-store.js'))});
      const { applyFootprintLimits } = require(${JSON.stringify(join(DIST, 'main/service/footprint.js'))});
      const threads = () => readdirSync('/proc/self/task').length;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        const service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore(), recorder: null });
        service.start();
        await sleep(2500);
        const before = threads();
        service.handlers.getSnapshot({});
        await sleep(1500);
        const after = threads();
        await service.close();
        console.log(JSON.stringify({ before, after, flags: applyFootprintLimits() }));
      })();`);
    // One thread more: the reap worker, started by the window's first call and not before.
    expect(after).toBe(before + 1);
    expect(flags).toEqual({ mallocArenasCapped: true, mallocThresholdsFixed: true });
  });

  it("unmaps the executable's cold pages a while after start, once more after a window's first call, and never again", () => {
    const out = runNode<{ drops: { after: string; droppedKiB: number; error: string | null }[]; exeBeforeWindowDrop: number; exeAfterWindowDrop: number | null; dropsAfterSecondCall: number }>(`
      const fs = require('fs');
      const { createHeadroomService } = require(${JSON.stringify(join(DIST, 'main/service/headroom-service.js'))});
      const { createMemorySettingsStore } = require(${JSON.stringify(join(DIST, 'main/service/memory-settings-store.js'))});
      const { parseSmaps } = require(${JSON.stringify(join(DIST, 'native/code-pages.js'))});
      const exe = fs.realpathSync('/proc/self/exe');
      const exeRss = () => parseSmaps(fs.readFileSync('/proc/self/smaps', 'utf8')).filter((m) => m.path === exe).reduce((a, m) => a + m.rssKiB, 0);
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const drops = [];
      (async () => {
        const service = createHeadroomService({
          shell: 'browser', settings: createMemorySettingsStore(), recorder: null, codePagesDropAfterMs: 400,
          // The executable's resident KiB read right after each drop, before the running service maps any page back.
          onCodePagesDropped: (report, after) => drops.push({ after, droppedKiB: report.droppedKiB, error: report.error, exeRssAfter: exeRss() }),
        });
        service.start();
        await sleep(1500);
        // What a window's start-up does in the service: its schemas load, frames are compressed and hashed.
        require(${JSON.stringify(join(DIST, 'contract/api.js'))});
        require('zlib').gzipSync(Buffer.alloc(1 << 20, 7));
        require('crypto').createHash('sha1').update('x').digest('base64');
        service.handlers.getSnapshot({});
        const exeBeforeWindowDrop = exeRss();
        await sleep(1500);
        const exeAfterWindowDrop = drops[1] ? drops[1].exeRssAfter : null;
        service.handlers.getSnapshot({});
        await sleep(1500);
        const dropsAfterSecondCall = drops.length;
        await service.close();
        console.log(JSON.stringify({ drops, exeBeforeWindowDrop, exeAfterWindowDrop, dropsAfterSecondCall }));
      })();`);
    expect(out.drops.map((d) => d.after)).toEqual(['start', 'window']);
    for (const d of out.drops) expect(d.error).toBeNull();
    // The window's start-up had mapped pages again (MiBs of them), and the second drop took them off.
    expect(out.drops[1]!.droppedKiB).toBeGreaterThan(1024);
    expect(out.exeAfterWindowDrop).not.toBeNull();
    expect(out.exeAfterWindowDrop!).toBeLessThan(out.exeBeforeWindowDrop - 1024);
    // A later call (a second window, a reload) schedules nothing more.
    expect(out.dropsAfterSecondCall).toBe(2);
  });

  it('loads the reap worker when auto-reap is on, without any window', () => {
    const { before, after } = runNode<{ before: number; after: number }>(`
      const { readdirSync } = require('fs');
      const { createHeadroomService } = require(${JSON.stringify(join(DIST, 'main/service/headroom-service.js'))});
      const { createMemorySettingsStore } = require(${JSON.stringify(join(DIST, 'main/service/memory-settings-store.js'))});
      const threads = () => readdirSync('/proc/self/task').length;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        const service = createHeadroomService({ shell: 'browser', settings: createMemorySettingsStore(), recorder: null });
        service.start();
        await sleep(2500);
        const before = threads();
        service.handlers.setSettings({ autoReap: true });
        await sleep(1500);
        const after = threads();
        await service.close();
        console.log(JSON.stringify({ before, after }));
      })();`);
    expect(after).toBe(before + 1);
  });
});

describe('the lazy reap worker', () => {
  let reaper: InProcessReaper | undefined;
  afterEach(async () => {
    await reaper?.close();
    reaper = undefined;
  });

  it('is not started by construction, and the first reap starts it and frees the memory', async () => {
    reaper = new InProcessReaper();
    expect(reaper.started).toBe(false);
    const hog = startHog({ mib: 64 });
    await hog.ready;
    const results = await reaper.reap({ targets: [{ pid: hog.pid, startTime: readStat(hog.pid)!.startTime }], mode: 'kill', force: false }, [], 5000);
    expect(reaper.started).toBe(true);
    expect(results[0]).toMatchObject({ pid: hog.pid, ok: true, method: 'mrelease', via: 'in-process' });
    expect(results[0]!.freedBytes).toBeGreaterThanOrEqual(48 * 1024 * 1024);
    await hog.exited;
  });

  it('answers reaps sent while it is still loading, each one', async () => {
    reaper = new InProcessReaper();
    const hogs = [startHog({ mib: 16 }), startHog({ mib: 16 })];
    await Promise.all(hogs.map((h) => h.ready));
    const loading = reaper.warm();
    // Both sent before the worker said it is ready: queued on its port, not lost.
    const answers = await Promise.all(hogs.map((h) => reaper!.reap({ targets: [{ pid: h.pid, startTime: readStat(h.pid)!.startTime }], mode: 'kill', force: false }, [], 5000)));
    await loading;
    expect(answers.map((r) => r[0]!.ok)).toEqual([true, true]);
    await Promise.all(hogs.map((h) => h.exited));
  });

  it('answers a reap sent while the old worker is still shutting down, on a new one', async () => {
    reaper = new InProcessReaper();
    const hog = startHog({ mib: 16 });
    await hog.ready;
    await reaper.warm();
    // Not awaited: the old worker's exit arrives while the new reap is pending, and must not fail it.
    const closing = reaper.close();
    expect(reaper.started).toBe(false);
    const results = await reaper.reap({ targets: [{ pid: hog.pid, startTime: readStat(hog.pid)!.startTime }], mode: 'kill', force: false }, [], 5000);
    await closing;
    expect(results[0]).toMatchObject({ ok: true, via: 'in-process' });
    await hog.exited;
  });
});
