/** The pressure guard (see guard.ts for the design): what the service and `headroom guard` use. */
export { createGuard, FAST_INTERVAL_MS, type Guard, type GuardOptions, type GuardSampling } from './guard';
export { defaultGuardLockPath, GuardLock } from './lock';
export { DEFAULT_POLL_MS, DEFAULT_WINDOWS_MS } from './trigger-watch';
