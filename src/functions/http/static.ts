/** Serving static files shipped with the app (dashboard, docs assets) from an allow-list, never by raw path. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponseInit } from '@azure/functions';

/** src/web, shipped with the app (the compiled files live in dist/src/functions/http). */
export const WEB_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../src/web');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export function contentTypeOf(fileName: string): string {
  const extension = fileName.slice(fileName.lastIndexOf('.'));
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

const cache = new Map<string, Buffer>();

/** Reads a shipped file once per instance and serves it with a content type and security headers. */
export async function staticFile(absolutePath: string, fileName: string, maxAgeSeconds = 300): Promise<HttpResponseInit> {
  let bytes = cache.get(absolutePath);
  if (!bytes) {
    bytes = await readFile(absolutePath);
    cache.set(absolutePath, bytes);
  }
  return {
    status: 200,
    body: bytes,
    headers: {
      'content-type': contentTypeOf(fileName),
      'cache-control': `public, max-age=${maxAgeSeconds}`,
      'x-content-type-options': 'nosniff',
    },
  };
}
