/**
 * Links between the README and docs/ lead somewhere: every relative link names a file that exists, and every
 * `#anchor` names a heading of its target (GitHub's slugs), so renaming a doc or a heading breaks a test, not a reader.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const documents = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const [, heading] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    slugs.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return slugs;
}

function links(markdown: string): string[] {
  return [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
}

describe('documentation links', () => {
  it.each(documents)('%s links only to files and headings that exist', (document) => {
    const text = readFileSync(path.join(root, document), 'utf8');
    const broken: string[] = [];
    for (const link of links(text)) {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file ? path.join(root, path.dirname(document), file) : path.join(root, document);
      if (!existsSync(target)) broken.push(link);
      else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(link);
    }
    expect(broken).toEqual([]);
  });

  it('catches a link to a renamed document and to a missing heading', () => {
    expect(links('see [it](FABRIC_RTI.md) and [x](DEPLOY.md#nowhere)')).toEqual(['FABRIC_RTI.md', 'DEPLOY.md#nowhere']);
    expect(existsSync(path.join(root, 'docs/FABRIC_RTI.md'))).toBe(false);
    expect(anchors(readFileSync(path.join(root, 'docs/DEPLOY.md'), 'utf8')).has('nowhere')).toBe(false);
    expect(anchors('## From `azd up` to events in an Eventhouse\n## Probes and scraping')).toEqual(
      new Set(['from-azd-up-to-events-in-an-eventhouse', 'probes-and-scraping']),
    );
  });
});
