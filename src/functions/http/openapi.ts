/**
 * The OpenAPI document, built from the same zod schemas that validate requests. Every route registered
 * through `httpRoute` adds itself here, so the document lists exactly what the app serves.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { APP_VERSION } from '../../core/version.js';

export const openApiRegistry = new OpenAPIRegistry();

openApiRegistry.registerComponent('securitySchemes', 'functionKey', {
  type: 'apiKey',
  in: 'header',
  name: 'x-functions-key',
  description: 'Function key. Also accepted as the `code` query parameter.',
});

export function registerOpenApiPath(route: RouteConfig): void {
  openApiRegistry.registerPath(route);
}

let cachedDocument: unknown;

export function openApiDocument(): unknown {
  cachedDocument ??= new OpenApiGeneratorV31(openApiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'retail-datagen',
      version: APP_VERSION,
      description:
        'Synthetic retail data: master data, historical facts and real-time events to Azure Event Hubs or Microsoft Fabric RTI. ' +
        'Errors are JSON `{detail}` with the field and the reason.',
    },
    servers: [{ url: '/' }],
  });
  return cachedDocument;
}
