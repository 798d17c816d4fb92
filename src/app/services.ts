/**
 * Instance-wide services, wired once from the environment (module singletons, as the Functions guidance
 * recommends for SDK clients). Function files ask for what they need here; the core never reads
 * process.env itself.
 */
import { storageAccount } from '../adapters/storage.js';
import { CONFIG_TABLE, TableConfigOverridesStore } from '../adapters/table-config-store.js';
import { ConfigService } from '../core/config/service.js';

let configServiceInstance: ConfigService | undefined;

export function configService(): ConfigService {
  configServiceInstance ??= new ConfigService(
    new TableConfigOverridesStore(() => storageAccount().table(CONFIG_TABLE)),
    process.env,
  );
  return configServiceInstance;
}
