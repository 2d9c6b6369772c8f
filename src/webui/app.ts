/**
 * The web console at `/webui`, served by every node on the admin listener. Pages are rendered
 * here from the database; every change is a call of the browser to the REST API itself
 * (src/webui/api-session.ts), so validation, rights and messages are the API's. The console's
 * own writes are its sessions (login, logout, TOTP).
 */
import Router from '@koa/router';
import type Koa from 'koa';
import type { ApiRouter } from '../admin/http.js';
import { toApiError } from '../admin/errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { assets } from './assets.js';
import type { Console, WebContext, WebState } from './context.js';
import { PageError, send } from './context.js';
import { setPageHeaders } from './guard.js';
import { html } from './html.js';
import { notice, page } from './layout.js';
import { LiveHub } from './live.js';
import { accountPages } from './pages/account.js';
import { clusterPages } from './pages/cluster.js';
import { configPages } from './pages/config.js';
import { historyPages } from './pages/history.js';
import { liveRender } from './pages/live-render.js';
import { loginPages } from './pages/login.js';
import { transferPages } from './pages/transfers.js';
import { currentSession } from './sessions.js';

const isConsole = (path: string): boolean => path === '/webui' || path.startsWith('/webui/');
/** Reachable without a session. */
const isPublic = (path: string): boolean =>
  path.startsWith('/webui/assets/') || path === '/webui/login' || path === '/webui/login/totp';

/** A browser opening the listener's root (it asks for HTML by name; API clients do not). */
const isBrowserAtRoot = (kctx: Koa.Context): boolean =>
  kctx.path === '/' && kctx.method === 'GET' && kctx.get('Accept').includes('text/html');

/**
 * True when the console answers this request itself (its pages check their own session, so the
 * API's Basic authentication must let it through). Nothing when the console is disabled.
 */
export function servesConsole(ctx: GatewayContext, kctx: Koa.Context): boolean {
  return !ctx.config.admin.disableWebUI && (isConsole(kctx.path) || isBrowserAtRoot(kctx));
}

export function webConsole(ctx: GatewayContext, api: ApiRouter): Koa.Middleware {
  if (ctx.config.admin.disableWebUI) return (_c, next) => next();
  const log = ctx.log.child({ component: 'webui' });
  assets(); // a broken install (missing htmx) fails at start, not at the first page
  const hub = new LiveHub(ctx, liveRender(ctx));
  const cons: Console = { ctx, hub, api };
  const router = new Router<WebState>();

  router.get('/webui/assets/:name', (c) => {
    const a = assets().get(c.params.name ?? '');
    if (a === undefined) throw new PageError(404, 'no such file');
    c.set('Cache-Control', c.query.v === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    c.set('ETag', `"${a.hash}"`);
    c.set('X-Content-Type-Options', 'nosniff');
    c.type = a.type;
    c.body = a.body;
  });
  loginPages(router, cons);
  clusterPages(router, cons);
  transferPages(router, cons);
  historyPages(router, cons);
  configPages(router, cons);
  accountPages(router, cons);

  const routes = router.routes();
  return async (kctx, next) => {
    // A browser opening the listener's root lands on the console.
    if (isBrowserAtRoot(kctx)) {
      kctx.redirect('/webui/');
      return;
    }
    if (!isConsole(kctx.path)) {
      await next();
      return;
    }
    const c = kctx as unknown as WebContext;
    setPageHeaders(kctx, ctx.nodeName);
    try {
      if (!isPublic(kctx.path)) {
        const found = await currentSession(ctx, kctx);
        if (found === undefined || found.session.stage !== 'full') {
          if (kctx.method === 'GET' && !kctx.path.startsWith('/webui/live/')) {
            const back = kctx.path === '/webui' || kctx.path === '/webui/' ? '' : kctx.originalUrl;
            kctx.redirect(`/webui/login${back === '' ? '' : `?next=${encodeURIComponent(back)}`}`);
            return;
          }
          throw new PageError(401, 'your session has ended: log in again');
        }
        c.state.session = found.session;
        c.state.user = found.user;
      }
      await routes(c, async () => {});
      if (kctx.status === 404 && kctx.body === undefined) throw new PageError(404, 'no such page');
    } catch (err) {
      const { status, message } = pageError(err);
      if (status >= 500) log.error({ err, path: kctx.path }, 'console page failed');
      send(
        c,
        page(ctx, {
          title: status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Error',
          ...(c.state.user !== undefined && c.state.session !== undefined
            ? { who: { user: c.state.user, csrfToken: c.state.session.csrfToken } }
            : {}),
          body: html`${notice('error', message)}
            <p><a href="/webui/">Back to the console</a></p>`,
        }),
        status,
      );
    }
  };
}

function pageError(err: unknown): { status: number; message: string } {
  if (err instanceof PageError) return { status: err.status, message: err.message };
  // Store and lookup errors carry the API's status and message (e.g. 404 "server x not found").
  const api = toApiError(err);
  return { status: api.status, message: api.message };
}
