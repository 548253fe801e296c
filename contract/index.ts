/** The contract between renderer and main: schemas, types and channel names. Pure TypeScript + zod. */
export * from './api';
export * from './channels';
export * from './delta';
export * from './guard';
export * from './history';
export * from './reap';
export * from './recorder';
export * from './settings';
export * from './snapshot';
export * from './status';
export * from './record';
