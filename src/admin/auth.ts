/**
 * HTTP Basic authentication of `/api` and per-route permission checks. The user is read from
 * the database on every request (no cache), so a change made through any node applies at once.
 */
import type Koa from 'koa';
import type { User } from '../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../model/permissions.js';
import { hasPermission } from '../model/permissions.js';
import { decoyHash } from '../crypto/passwords.js';
import { rehashLater } from '../crypto/rehash.js';
import { VerifiedPasswordCache } from '../crypto/verified-cache.js';
import type { GatewayContext } from '../gateway/context.js';
import { bannedMessage, LoginBans } from '../security/login-bans.js';
import { clientAddress } from './client-address.js';
import type { ApiState } from './errors.js';
import { ApiError } from './errors.js';

export interface AuthState extends ApiState {
  user: User;
  /** The client's address (X-Forwarded-For believed only from trusted proxies). */
  clientAddress: string;
}

/**
 * The only paths answered without a login: the probes of load balancers and orchestrators.
 * Every other path, existing or not, in any case or with any trailing slash, needs one.
 */
export const publicPaths: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/lbz']);

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

/**
 * Authenticates every request it sees; 401 with a Basic challenge otherwise. Failures count
 * against the client's address for the whole cluster; a banned address gets 429 before any
 * password is checked.
 */
export function authenticate(ctx: GatewayContext): Koa.Middleware<AuthState> {
  const verified = new VerifiedPasswordCache();
  const bans = new LoginBans(ctx);
  return async (kctx, next) => {
    const source = clientAddress(
      kctx.req.socket.remoteAddress,
      kctx.get('X-Forwarded-For') || undefined,
      ctx.config.admin.trustedProxies,
    );
    kctx.state.clientAddress = source;
    const creds = parseBasic(kctx.get('Authorization'));
    // Both reads at once (one database round trip of latency instead of two); the ban still
    // decides first, before any password is checked.
    const [standing, user] = await Promise.all([
      bans.standing(source, 'rest'),
      creds === undefined ? undefined : ctx.stores.users.get(creds.login),
    ]);
    if (standing.bannedUntil !== undefined) throw banned(standing.bannedUntil, ctx.now());
    if (creds === undefined) throw unauthorized('authentication required (HTTP Basic)');
    // An unknown login costs the same as a wrong password, so logins cannot be probed.
    const ok = await verified.verify(creds.password, user?.passwordHash ?? (await decoyHash()));
    if (user === undefined || !ok) {
      const until = await bans.failed(source, 'rest');
      ctx.log.warn({ source, login: creds.login, banned: until !== undefined }, 'admin API login failed');
      if (until !== undefined) throw banned(until, ctx.now());
      throw unauthorized('invalid username or password');
    }
    await bans.succeeded(source, 'rest', standing.failures > 0);
    kctx.state.user = user;
    const stored = user.passwordHash;
    rehashLater(
      creds.password,
      stored,
      (hash) => ctx.stores.users.replacePasswordHash(user.id, stored, hash),
      ctx.log,
      {
        user: user.username,
      },
    );
    await next();
  };
}

function banned(until: number, now: number): ApiError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new ApiError('E_BANNED', bannedMessage(until, now), { 'Retry-After': String(seconds) });
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
