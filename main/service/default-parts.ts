/** The real sampler loop and reaper, wired with the service's settings. */
import { createReapService } from '../reaper/service';
import { WorkerSamplerLoop } from '../sampler';
import type { ReapServiceLike, SamplerLoopLike } from './types';

/**
 * The real sampler loop at this interval and history length. Sampling runs on a worker thread: a tick
 * takes 18–51 ms (cold: up to 1.6 s) at 2,000 processes, which would otherwise stall the host's
 * IPC and window machinery (docs/BENCHMARKS.md, "Sampler on a worker thread").
 */
export function createDefaultLoop(intervalMs: number, historyLength: number): SamplerLoopLike {
  return new WorkerSamplerLoop({ intervalMs, historyLength });
}

/** The real reaper; it reads the session-critical list and the End grace period when it needs them. */
export function createDefaultReaper(settings: { sessionCritical: () => string[]; endGraceMs: () => number }): ReapServiceLike {
  return createReapService(settings);
}
