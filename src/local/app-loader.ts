/** Finds and imports the compiled function files the way the Functions runtime does: `package.json#main`. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

/** Expands `main` (a file or a glob whose wildcards are in the file name only, e.g. `dist/src/functions/*.js`). */
export async function resolveMainFiles(root: string, main: string): Promise<string[]> {
  const absolute = path.resolve(root, main);
  if (!/[*?]/.test(main)) return [absolute];
  const folder = path.dirname(absolute);
  if (/[*?]/.test(folder)) throw new Error(`Only file-name wildcards are supported in package.json#main: ${main}`);
  const matcher = globToRegExp(path.basename(absolute));
  const entries = await readdir(folder);
  return entries
    .filter((name) => matcher.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

export async function readPackageMain(root: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { main?: string };
  if (!manifest.main) throw new Error('package.json has no "main": the Functions runtime needs it to find the function files');
  return manifest.main;
}

export async function importAppFiles(files: string[]): Promise<void> {
  if (files.length === 0) throw new Error('No function files found; run `npm run build` first');
  for (const file of files) await import(pathToFileURL(file).href);
}
