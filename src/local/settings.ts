/**
 * The settings a local run uses, as Core Tools does: local.settings.json "Values" (or the example file) into
 * the environment, real environment variables winning. Shared by `npm start` and `npm run export`, so both
 * reach the same storage.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORS_SETTING } from './cors.js';

/** Loads local.settings.json "Values" into the environment as Core Tools does; real env vars win. */
export function loadLocalSettings(root: string): string {
  for (const file of ['local.settings.json', 'local.settings.example.json']) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    const settings = JSON.parse(readFileSync(full, 'utf8')) as { Values?: Record<string, string>; Host?: { CORS?: string } };
    for (const [name, value] of Object.entries(settings.Values ?? {})) {
      if (process.env[name] === undefined && value !== '') process.env[name] = String(value);
    }
    // Core Tools reads allowed origins from Host.CORS; so does this host, unless LOCAL_CORS_ORIGINS is set.
    if (process.env[CORS_SETTING] === undefined && settings.Host?.CORS) process.env[CORS_SETTING] = settings.Host.CORS;
    return file;
  }
  return '(none)';
}
