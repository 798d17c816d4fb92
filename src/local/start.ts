/**
 * `npm start`: Azurite (started with a data folder in the project, or reused if one is already listening)
 * plus the local Functions host, with the settings of local.settings.json (or the example file). Ctrl-C
 * stops both: in-flight invocations finish first.
 *
 * Flags: --no-azurite (use AzureWebJobsStorage as configured), --port N.
 */
import path from 'node:path';
import { maskConnectionString } from '../core/config/secrets.js';
import { DEFAULT_AZURITE_PORTS, startAzurite, type AzuriteHandle } from './azurite.js';
import { CORS_SETTING } from './cors.js';
import { startLocalHost } from './host.js';
import { loadLocalSettings } from './settings.js';

const root = process.cwd();

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const settingsFile = loadLocalSettings(root);
  let azurite: AzuriteHandle | undefined;
  const storage = process.env.AzureWebJobsStorage ?? '';
  if (!process.argv.includes('--no-azurite') && /^UseDevelopmentStorage=true/i.test(storage)) {
    azurite = await startAzurite({ location: path.join(root, '.azurite'), ports: DEFAULT_AZURITE_PORTS, reuseIfListening: true });
    console.log(
      azurite.reused ? 'Azurite: reusing the emulator already listening on 10000-10002' : 'Azurite: started on 127.0.0.1:10000-10002 (data in .azurite/)',
    );
  } else {
    console.log(`Storage: ${maskConnectionString(storage) ?? 'identity-based (AzureWebJobsStorage__accountName)'}`);
  }

  const portArgument = argument('--port');
  const host = await startLocalHost({ root, ...(portArgument ? { port: Number(portArgument) } : {}) });
  console.log(`
retail-datagen is running (settings from ${settingsFile}, ${host.functions.length} functions)
  App        ${host.url}/health
  Dashboard  ${host.url}/
  API docs   ${host.url}/api/docs
  OpenAPI    ${host.url}/api/openapi.json
${process.env.LOCAL_FUNCTION_KEY ? '  Function key required (LOCAL_FUNCTION_KEY): send x-functions-key or ?code=\n' : ''}${process.env[CORS_SETTING] ? `  CORS allowed from: ${process.env[CORS_SETTING]}\n` : ''}Press Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (waiting for ${host.inFlight()} running invocations)…`);
    await host.stop();
    await azurite?.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
