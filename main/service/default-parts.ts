/** The real sampler loop and reaper, wired with the service's settings. */
import { createReapService } from '../reaper/service';
import { SamplerLoop } from '../sampler';
import type { ReapServiceLike, SamplerLoopLike } from './types';

/** The real sampler loop at this interval and history length. */
export function createDefaultLoop(intervalMs: number, historyLength: number): SamplerLoopLike {
  return new SamplerLoop({ intervalMs, historyLength });
}

/** The real reaper; it reads the session-critical list and the End grace period when it needs them. */
export function createDefaultReaper(settings: { sessionCritical: () => string[]; endGraceMs: () => number }): ReapServiceLike {
  return createReapService(settings);
}
