/**
 * Delta benchmark: what a window update costs on the wire and in JavaScript, full snapshot against
 * delta, in one run on the real sampler with 2,000 extra idle processes (real `sleep` children,
 * killed by PID in `finally`). Per tick at 1 Hz (20 ticks): bytes of the `{event, data}` message,
 * main's cost to make it (diffSnapshots + JSON.stringify against JSON.stringify alone) and the
 * window's cost to take it (JSON.parse + applyDelta against JSON.parse alone), medians, in Node's
 * V8 (Chromium's is the same engine; the browser's own cost of receiving a frame is not in here —
 * `npm run bench -- ui` measures that).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { applyDelta, diffSnapshots } from '../../contract/delta';
import type { Snapshot } from '../../contract/snapshot';
import { createSampler } from '../../main/sampler';

const EXTRA = 2000;
const TICKS = 20;

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const value = f();
  return [value, Number(process.hrtime.bigint() - t0) / 1e6];
}

/** Run the benchmark and print the numbers; returns them for run.ts. */
export async function benchDelta(): Promise<unknown> {
  const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const pids: number[] = [];
  const killAll = () => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAll);
  const sampler = createSampler();
  const rows: Array<Record<string, number>> = [];
  const loadAtStart = loadavg();
  try {
    for (let i = 0; i < EXTRA; i++) {
      const child = spawn('sleep', ['600'], { stdio: 'ignore' });
      child.on('error', () => {});
      if (child.pid !== undefined) pids.push(child.pid);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    let prev: Snapshot = sampler.sample();
    for (let t = 0; t < TICKS; t++) {
      await new Promise((r) => setTimeout(r, 1000));
      const next = sampler.sample();
      const [fullText, fullStringifyMs] = timed(() => JSON.stringify({ event: 'snapshot', data: next }));
      const [deltaText, deltaMakeMs] = timed(() => JSON.stringify({ event: 'snapshotDelta', data: diffSnapshots(prev, next) }));
      const [, fullParseMs] = timed(() => JSON.parse(fullText) as unknown);
      const [, deltaTakeMs] = timed(() => applyDelta(prev, (JSON.parse(deltaText) as { data: Parameters<typeof applyDelta>[1] }).data));
      rows.push({ processes: next.processes.length, fullBytes: fullText.length, deltaBytes: deltaText.length, fullStringifyMs, deltaMakeMs, fullParseMs, deltaTakeMs });
      prev = next;
    }
  } finally {
    sampler.close();
    killAll();
    process.off('exit', killAll);
  }
  const m = (k: string) => Math.round(median(rows.map((r) => r[k]!)) * 1000) / 1000;
  const result = {
    loadAvg: `${loadAtStart} → ${loadavg()}`,
    processes: m('processes'),
    fullBytes: m('fullBytes'),
    deltaBytes: m('deltaBytes'),
    bytesRatio: Math.round((m('deltaBytes') / m('fullBytes')) * 1000) / 1000,
    mainFullStringifyMs: m('fullStringifyMs'),
    mainDeltaDiffAndStringifyMs: m('deltaMakeMs'),
    windowFullParseMs: m('fullParseMs'),
    windowDeltaParseAndApplyMs: m('deltaTakeMs'),
  };
  process.stdout.write(
    `delta vs full at ${result.processes} processes (medians of ${TICKS} ticks at 1 Hz): ${result.deltaBytes} / ${result.fullBytes} bytes (${result.bytesRatio}×); ` +
      `main ${result.mainDeltaDiffAndStringifyMs} / ${result.mainFullStringifyMs} ms; window ${result.windowDeltaParseAndApplyMs} / ${result.windowFullParseMs} ms; load ${result.loadAvg}\n`,
  );
  return result;
}
