/**
 * GET /api/openapi.json (the document generated from our zod schemas) and GET /api/docs, an offline
 * Swagger UI served from the app's own node_modules (no CDN).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import { openApiDocument } from './http/openapi.js';
import { httpRoute } from './http/route.js';
import { staticFile, WEB_FOLDER } from './http/static.js';

const require = createRequire(import.meta.url);
const swaggerUiFolder = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const DOCS_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);

httpRoute({
  name: 'openApiDocument',
  method: 'GET',
  route: 'api/openapi.json',
  summary: 'OpenAPI 3.1 document of every route',
  tags: ['operations'],
  responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
  handler: async () => ({ status: 200, jsonBody: openApiDocument() }),
});

httpRoute({
  name: 'apiDocs',
  method: 'GET',
  route: 'api/docs',
  authLevel: 'anonymous',
  summary: 'Interactive API documentation (works offline)',
  tags: ['operations'],
  responses: { 200: { description: 'HTML page', contentType: 'text/html', schema: z.string() } },
  handler: async () => staticFile(path.join(WEB_FOLDER, 'docs.html'), 'docs.html'),
});

httpRoute({
  name: 'apiDocsAsset',
  method: 'GET',
  route: 'api/docs/assets/{file}',
  authLevel: 'anonymous',
  summary: 'Static assets of the documentation page',
  tags: ['operations'],
  params: z.object({ file: z.string().max(100) }),
  responses: { 200: { description: 'The asset' }, 404: { description: 'No such asset' } },
  handler: async ({ params }) => {
    if (params.file === 'docs.js') return staticFile(path.join(WEB_FOLDER, 'docs.js'), 'docs.js');
    if (!DOCS_ASSETS.has(params.file)) throw new NotFoundError(`file: no documentation asset named ${params.file}`);
    return staticFile(path.join(swaggerUiFolder, params.file), params.file, 86_400);
  },
});
