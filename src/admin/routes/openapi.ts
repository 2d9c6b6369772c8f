/** `GET /api/openapi.json`: the OpenAPI 3 description of this API. */
import type { GatewayContext } from '../../gateway/context.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import { openApiDocument } from '../openapi.js';

export function openApiRoutes(router: ApiRouter, ctx: GatewayContext): void {
  router.get('/api/openapi.json', (c) => {
    ok(c, openApiDocument(ctx.version));
  });
}
