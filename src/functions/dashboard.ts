/**
 * The dashboard shell at `/` and its static assets. The shell is anonymous (it holds no data); every API it
 * calls is function-key protected, and the page asks for the key when the app requires one.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import { httpRoute } from './http/route.js';
import { staticFile, WEB_FOLDER } from './http/static.js';

/** The page's own files under src/web (plain JS modules, no build step). */
const WEB_FILES = [
  'index.html',
  'dashboard.css',
  'favicon.svg',
  'js/api.js',
  'js/dom.js',
  'js/chart.js',
  'js/disruptions.js',
  'js/events.js',
  'js/jobs.js',
  'js/key.js',
  'js/main.js',
  'js/outbox.js',
  'js/realism.js',
  'js/settings.js',
  'js/stream.js',
  'js/tables.js',
];

// The chart library comes from the app's own node_modules (no CDN), located through its package.json so a
// hoisted or nested install both work.
const require = createRequire(import.meta.url);
const uplotFolder = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
const VENDOR_FILES: Record<string, string> = {
  'vendor/uPlot.iife.min.js': path.join(uplotFolder, 'uPlot.iife.min.js'),
  'vendor/uPlot.min.css': path.join(uplotFolder, 'uPlot.min.css'),
};

/**
 * Request path → file on disk: an allow-list, so no request can read anything else (no path is ever joined
 * from user input).
 */
export const DASHBOARD_ASSETS: ReadonlyMap<string, string> = new Map([
  ...WEB_FILES.map((file) => [file, path.join(WEB_FOLDER, file)] as const),
  ...Object.entries(VENDOR_FILES),
]);

/**
 * The page may load and call nothing outside the app: the browser enforces what the tests check. uPlot sets
 * element styles through the CSSOM, which `style-src 'self'` allows.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

httpRoute({
  name: 'dashboard',
  method: 'GET',
  // With an empty route prefix, a catch-all route also matches `/`; literal API routes take precedence.
  route: '{*path}',
  openApiPath: '/{path}',
  authLevel: 'anonymous',
  summary: 'Dashboard page and its assets (`/` serves the page)',
  tags: ['dashboard'],
  params: z.object({ path: z.string().max(200).optional().describe('Empty for the page, or an asset path') }),
  responses: { 200: { description: 'HTML page or asset' }, 404: { description: 'No such page or asset' } },
  handler: async ({ params }) => {
    const file = params.path && params.path !== '' ? params.path : 'index.html';
    const absolute = DASHBOARD_ASSETS.get(file);
    if (!absolute) throw new NotFoundError(`path: nothing is served at /${file}`);
    // Vendor files change only with the package version; the page's own files may change with any deploy.
    const response = await staticFile(absolute, file, file.startsWith('vendor/') ? 86_400 : 60);
    if (file !== 'index.html') return response;
    return { ...response, headers: { ...(response.headers as Record<string, string>), 'content-security-policy': CONTENT_SECURITY_POLICY } };
  },
});
