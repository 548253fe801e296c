/** The sampler's public API: one-shot sampling, the timed loop, and the pieces they are made of. */
export { createSampler, type Sampler, type SamplerOptions } from './sampler';
export { SamplerLoop, checkIntervalMs, MIN_INTERVAL_MS, MAX_INTERVAL_MS, DEFAULT_HISTORY_LENGTH, type SamplerLoopOptions, type SnapshotListener } from './loop';
export { WorkerSamplerLoop, type WorkerSamplerLoopOptions } from './worker-loop';
export { RingBuffer } from './ring-buffer';
export { detectFeatures } from './features';
export { classifyCgroup, type CgroupApp } from './classify-cgroup';
export { parsePsi, type PsiRaw } from './parse/psi';
