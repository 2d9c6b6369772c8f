/**
 * HTTP Basic authentication of `/api` and per-route permission checks. The user is read from
 * the database on every request (no cache), so a change made through any node applies at once.
 */
import type Koa from 'koa';
import type { User } from '../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../model/permissions.js';
import { hasPermission } from '../model/permissions.js';
import { decoyHash, verifyPassword } from '../crypto/passwords.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ApiState } from './errors.js';
import { ApiError } from './errors.js';

export interface AuthState extends ApiState {
  user: User;
}

const challenge = { 'WWW-Authenticate': 'Basic realm="waarp-gateway", charset="UTF-8"' };

function unauthorized(message: string): ApiError {
  return new ApiError('E_UNAUTHORIZED', message, challenge);
}

/** `Authorization: Basic …` → login and password, or undefined when absent or malformed. */
export function parseBasic(header: string): { login: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m?.[1] === undefined) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Authenticates every request it sees; 401 with a Basic challenge otherwise. */
export function authenticate(ctx: GatewayContext): Koa.Middleware<AuthState> {
  return async (kctx, next) => {
    const creds = parseBasic(kctx.get('Authorization'));
    if (creds === undefined) throw unauthorized('authentication required (HTTP Basic)');
    const user = await ctx.stores.users.get(creds.login);
    // An unknown login costs the same as a wrong password, so logins cannot be probed.
    const ok = await verifyPassword(creds.password, user?.passwordHash ?? (await decoyHash()));
    if (user === undefined || !ok) throw unauthorized('invalid username or password');
    kctx.state.user = user;
    await next();
  };
}

const rightNames: Record<PermissionRight, string> = { r: 'read', w: 'write', d: 'delete' };

/** The route needs `right` on `target` (reference: 403 "insufficient privileges"). */
export function need(target: PermissionTarget, right: PermissionRight): Koa.Middleware<AuthState> {
  return async (kctx, next) => {
    if (!hasPermission(kctx.state.user.permissions, target, right)) {
      throw new ApiError(
        'E_FORBIDDEN',
        `you do not have sufficient privileges to perform this action: ` +
          `"${rightNames[right]}" permission on "${target}" is required`,
      );
    }
    await next();
  };
}
