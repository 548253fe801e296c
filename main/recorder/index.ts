/** The flight recorder's public API (see recorder.ts for the design). */
export { createRecorder, failureMessage, type Recorder, type RecorderOptions } from './recorder';
export { defaultStateDir, RecorderRefusal } from './safe-fs';
export { readApps, readPoints, readSamples, type TimeRange, type RangeRead } from './store-reader';
export { listSegments } from './segments';
