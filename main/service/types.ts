/**
 * What both shells host: the Electron main process (app/) and browser mode (`headroom serve`)
 * each create one HeadroomService and carry its calls and events over their own transport.
 */
import type { EventData, HeadroomHandlers } from '../../contract/api';
import type { EventName } from '../../contract/channels';
import type { SettingsPatch, SettingsState } from '../../contract/settings';

/** Where settings live: a JSON file in the user's config directory, or memory (tests). */
export interface SettingsStore {
  /** The settings in force, and a warning when the saved file could not be used. */
  get(): SettingsState;
  /** Apply a validated patch, persist it, and return the new state. */
  update(patch: SettingsPatch): SettingsState;
}

export interface HeadroomService {
  /** One handler per contract call; parameters are already validated by `parseCall`. */
  readonly handlers: HeadroomHandlers;
  /** Listen to a push event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void;
  /** Start sampling. */
  start(): void;
  /** Stop sampling and the privileged helper, if one was started. */
  close(): Promise<void>;
}

export interface HeadroomServiceOptions {
  shell: 'electron' | 'browser';
  settings: SettingsStore;
}

/**
 * The parts of the sampler loop (main/sampler) the service drives. Declared here structurally so the
 * service can be given any loop with this shape (the real one in production and in tests).
 */
export interface SamplerLoopLike {
  start(): void;
  stop(): void;
  setIntervalMs(ms: number): void;
  /** Take the next sample now (the guard's PSI trigger fired); optional for loops without it. */
  sampleNow?(): void;
  setHistoryLength(points: number): void;
  latest(): import('../../contract/snapshot').Snapshot | null;
  history(): import('../../contract/history').HistoryPoint[];
  /** Listen to every tick; returns the function that stops listening. */
  onSnapshot(listener: (snapshot: import('../../contract/snapshot').Snapshot) => void): () => void;
  medianSampleMs(): number | null;
}

/** The parts of the reap service (main/reaper) the service drives. */
export interface ReapServiceLike {
  reap(request: import('../../contract/reap').ReapRequest): Promise<import('../../contract/reap').ReapResponse>;
  privilege(): import('../../contract/status').PrivilegeMode;
  /** Listen to privilege changes (helper started, helper gone); may return an unsubscribe function. */
  onPrivilegeChange(listener: (mode: import('../../contract/status').PrivilegeMode) => void): unknown;
  /** Load what a reap needs now, so the next one does not wait (optional: the real one loads lazily). */
  warm?(): void;
  close(): Promise<void>;
}
