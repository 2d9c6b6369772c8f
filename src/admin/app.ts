/**
 * The admin application: koa with one router holding every route. `buildAdminApp` does not
 * listen, so tests serve it with `http.createServer(app.callback())`.
 */
import Koa from 'koa';
import Router from '@koa/router';
import type { GatewayContext } from '../gateway/context.js';
import type { AuthState } from './auth.js';
import { authenticate, publicPaths } from './auth.js';
import { ApiError, errorMiddleware } from './errors.js';
import type { ApiRouter } from './http.js';
import { ok } from './http.js';
import { openApiDocument, openApiOperation } from './openapi.js';
import { route } from './operation.js';
import { aboutRoutes } from './routes/about.js';
import { auditRoutes } from './routes/audit.js';
import { clientRoutes } from './routes/clients.js';
import { clusterRoutes } from './routes/cluster.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { metricsRoutes } from './routes/metrics.js';
import { securityRoutes } from './routes/security.js';
import { localAccountRoutes } from './routes/local-accounts.js';
import { overrideRoutes } from './routes/override.js';
import { partnerRoutes } from './routes/partners.js';
import { remoteAccountRoutes } from './routes/remote-accounts.js';
import { ruleRoutes } from './routes/rules.js';
import { serverRoutes } from './routes/servers.js';
import { transferRoutes } from './routes/transfers.js';
import { userRoutes } from './routes/users.js';
import { consoleApiAuth, usesConsoleSession } from '../webui/api-session.js';
import { servesConsole, webConsole } from '../webui/app.js';

/**
 * Every route of the API, each mounted with the operation it declares (src/admin/operation.ts);
 * the OpenAPI test walks its stack. Matching is exact: `/API/users` or `/api/users/` is no
 * route, so what the auth check sees is what the router serves.
 */
export function buildApiRouter(ctx: GatewayContext): ApiRouter {
  const router: ApiRouter = new Router<AuthState>({ strict: true, sensitive: true });
  healthRoutes(router, ctx);
  aboutRoutes(router, ctx);
  route(router, openApiOperation, (c) => {
    ok(c, openApiDocument(ctx.version));
  });
  userRoutes(router, ctx);
  serverRoutes(router, ctx);
  localAccountRoutes(router, ctx);
  partnerRoutes(router, ctx);
  remoteAccountRoutes(router, ctx);
  clientRoutes(router, ctx);
  ruleRoutes(router, ctx);
  transferRoutes(router, ctx);
  historyRoutes(router, ctx);
  auditRoutes(router, ctx);
  overrideRoutes(router, ctx);
  clusterRoutes(router, ctx);
  securityRoutes(router, ctx);
  metricsRoutes(router, ctx);
  return router;
}

/** `METHOD /path/{param}` of every route, as the OpenAPI document names them. */
export function listRoutes(router: ApiRouter): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string') continue;
    const path = layer.path.replace(/:(\w+)/g, '{$1}');
    for (const method of layer.methods) if (method !== 'HEAD') out.push({ method, path });
  }
  return out;
}

export function buildAdminApp(ctx: GatewayContext): Koa<AuthState> {
  const app = new Koa<AuthState>();
  const log = ctx.log.child({ component: 'admin' });
  const router = buildApiRouter(ctx);
  const auth = authenticate(ctx);
  const consoleAuth = consoleApiAuth(ctx);

  app.use(errorMiddleware(log, ctx.version));
  // Deny by default, before routing: every path but the probes needs a login, so an
  // unauthenticated caller learns nothing, not even which paths exist. The web console's pages
  // check their own session (src/webui); its calls to the API carry that session and a CSRF token.
  app.use(async (c, next) => {
    if (publicPaths.has(c.path) || servesConsole(ctx, c)) await next();
    else if (usesConsoleSession(c)) await consoleAuth(c, next);
    else await auth(c, next);
  });
  // The web console's pages (/webui), which render HTML and answer their own errors.
  app.use(webConsole(ctx, router));
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new ApiError('E_METHOD_NOT_ALLOWED', 'method not allowed on this resource'),
      notImplemented: () => new ApiError('E_METHOD_NOT_ALLOWED', 'method not supported'),
    }),
  );
  // Errors are all answered by errorMiddleware; this only catches what escapes koa itself.
  app.on('error', (err: unknown) => log.error({ err }, 'admin server error'));
  return app;
}
