/**
 * The REST API seen from the console: a request with the console's session cookie and no
 * `Authorization` header is authenticated by its session, provided it carries the session's
 * CSRF token in `X-CSRF-Token` and, when it changes something, comes from this console's origin.
 * Everything after authentication (validation, rights, messages) is the API's own, unchanged;
 * HTTP Basic stays what it was for every other client.
 */
import type Koa from 'koa';
import type { AuthState } from '../admin/auth.js';
import { ApiError, forbidden } from '../admin/errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { foreignOrigin } from './guard.js';
import { currentSession, readSessionToken, requestAddress, sameSecret } from './sessions.js';

export const csrfHeader = 'X-CSRF-Token';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when the request is the console's (session cookie, no Basic credentials). */
export function usesConsoleSession(kctx: Koa.Context): boolean {
  return kctx.get('Authorization') === '' && readSessionToken(kctx) !== undefined;
}

export function consoleApiAuth(ctx: GatewayContext): Koa.Middleware<AuthState> {
  return async (kctx, next) => {
    if (ctx.config.admin.disableWebUI) {
      throw new ApiError('E_UNAUTHORIZED', 'the web console is disabled on this node: use HTTP Basic');
    }
    const found = await currentSession(ctx, kctx);
    // No WWW-Authenticate challenge: the browser must not pop up its Basic login box.
    if (found === undefined || found.session.stage !== 'full') {
      throw new ApiError('E_UNAUTHORIZED', 'your console session has ended: log in again');
    }
    if (!sameSecret(kctx.get(csrfHeader), found.session.csrfToken)) {
      throw forbidden(`console request refused: missing or wrong CSRF token (${csrfHeader})`);
    }
    if (!safeMethods.has(kctx.method)) {
      const why = foreignOrigin(kctx);
      if (why !== undefined) throw forbidden(`console request refused: ${why}`);
    }
    kctx.state.user = found.user;
    kctx.state.clientAddress = requestAddress(ctx, kctx);
    await next();
  };
}
