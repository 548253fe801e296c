/**
 * The result for a target on which nothing was done, without koffi or zod: main/reaper/service.ts
 * builds refusals on the app's main thread, which otherwise never needs koffi (loading it there cost
 * ≈ 4 MiB of RSS; docs/BENCHMARKS.md, "Footprint"). native/reap.ts re-exports it.
 */
import type { ReapErrorCode, ReapResult, ReapTarget } from '../contract/reap';

/** The result for a target on which nothing was done, with the reason. */
export function refusedResult(target: ReapTarget, via: ReapResult['via'], code: ReapErrorCode, message: string, name = ''): ReapResult {
  return {
    pid: target.pid,
    startTime: target.startTime,
    name,
    ok: false,
    method: null,
    freedBytes: 0,
    swapFreedBytes: 0,
    mreleaseMs: null,
    goneMs: null,
    memoryBackMs: null,
    via,
    time: 0,
    error: { code, message },
  };
}
