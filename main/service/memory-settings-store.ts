/** Settings kept in memory only: for tests, and for `headroom serve` where no settings file can be used. */
import { SettingsSchema, defaultSettings, type SettingsPatch, type SettingsState } from '../../contract/settings';
import type { SettingsStore } from './types';

/** A SettingsStore that starts from the defaults (or `initial`) and forgets everything on exit. */
export function createMemorySettingsStore(initial?: Partial<SettingsState>): SettingsStore {
  let state: SettingsState = {
    settings: initial?.settings ? SettingsSchema.parse(initial.settings) : defaultSettings(),
    warning: initial?.warning ?? null,
  };
  return {
    get: () => structuredClone(state),
    update(patch: SettingsPatch) {
      // Parse the merged object so a patch can never leave the store with settings the schema rejects.
      state = { settings: SettingsSchema.parse({ ...state.settings, ...patch }), warning: state.warning };
      return structuredClone(state);
    },
  };
}
