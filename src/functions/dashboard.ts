/**
 * The dashboard shell at `/` and its static assets. The shell is anonymous (it holds no data); every API it
 * calls is function-key protected, and the page asks for the key when the app requires one.
 */
import path from 'node:path';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import { httpRoute } from './http/route.js';
import { staticFile, WEB_FOLDER } from './http/static.js';

/** Files the dashboard may serve: an allow-list, so no request can read anything else from disk. */
const DASHBOARD_FILES = new Set(['index.html', 'dashboard.js', 'dashboard.css']);

httpRoute({
  name: 'dashboard',
  method: 'GET',
  // With an empty route prefix, a catch-all route also matches `/`; literal API routes take precedence.
  route: '{*path}',
  openApiPath: '/{path}',
  authLevel: 'anonymous',
  summary: 'Dashboard page and its assets (`/` serves the page)',
  tags: ['dashboard'],
  params: z.object({ path: z.string().max(200).optional().describe('Empty for the page, or an asset file name') }),
  responses: { 200: { description: 'HTML page or asset' }, 404: { description: 'No such page or asset' } },
  handler: async ({ params }) => {
    const file = params.path && params.path !== '' ? params.path : 'index.html';
    if (!DASHBOARD_FILES.has(file)) throw new NotFoundError(`path: nothing is served at /${file}`);
    return staticFile(path.join(WEB_FOLDER, file), file, 60);
  },
});
