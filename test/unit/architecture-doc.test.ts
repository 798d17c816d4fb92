/**
 * docs/ARCHITECTURE.md stays true: every repository path it names in backticks exists, and the layer rule it
 * states holds (the core imports neither the Functions library, an Azure SDK, the adapters nor process.env).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOP = ['src', 'test', 'docs', 'infra', 'bench', '.ci'];

/** The repository paths a Markdown text names in backticks (`src/...`, `docs/...`, ...). */
function namedPaths(markdown: string): string[] {
  const paths = new Set<string>();
  for (const [, quoted] of markdown.matchAll(/`([^`\s]+)`/g)) {
    const candidate = quoted!.replace(/[#:].*$/, '');
    if (TOP.some((top) => candidate.startsWith(`${top}/`))) paths.add(candidate);
  }
  return [...paths];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('docs/ARCHITECTURE.md', () => {
  const text = readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');

  it('names only files and folders that exist', () => {
    const named = namedPaths(text);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });

  it('catches a renamed file', () => {
    expect(namedPaths('see `src/core/tables.ts` and `docs/DEPLOY.md#probes`, not `npm test`')).toEqual(['src/core/tables.ts', 'docs/DEPLOY.md']);
    expect(existsSync(path.join(root, 'src/core/tables.ts'))).toBe(false);
  });

  it('holds the layer rule: the core imports no host, SDK or adapter and reads no process.env', () => {
    const offences: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src/core'))) {
      const source = readFileSync(file, 'utf8');
      const relative = path.relative(root, file);
      for (const [, specifier] of source.matchAll(/from '([^']+)'/g)) {
        if (specifier!.startsWith('@azure/') || specifier!.includes('/adapters/') || specifier!.includes('/functions/') || specifier!.includes('/app/'))
          offences.push(`${relative} imports ${specifier}`);
      }
      if (/process\.env/.test(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) offences.push(`${relative} reads process.env`);
    }
    expect(offences).toEqual([]);
  });
});
