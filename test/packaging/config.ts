// Test support: electron-builder.yml as electron-builder itself loads it.
import type { Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { PROJECT_ROOT } from '../../packaging/layout';

/** electron-builder.yml, loaded and merged by electron-builder's own loader. */
export async function loadBuilderConfig(): Promise<Configuration> {
  return (await getConfig(PROJECT_ROOT, null, null)) as Configuration;
}

/** electron-builder's own validation (its JSON schema plus its deprecation checks); rejects with its message. */
export async function validateBuilderConfig(config: Configuration): Promise<void> {
  const quietLogger = { isEnabled: false, add: () => {} };
  await validateConfiguration(config, quietLogger as never);
}
