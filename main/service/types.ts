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
