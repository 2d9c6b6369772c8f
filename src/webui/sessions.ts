/**
 * Web console sessions: a random token in an HttpOnly cookie, its SHA-256 in the database
 * (webui_sessions), so that any node serves any request. A session ends on logout, after
 * `[admin] WebUISessionIdle` without use, `WebUISessionLifetime` after its login, when its user is
 * deleted, or when the user's password changes (the row keeps a stamp of the hash it was opened
 * with). The user and rights are read from the database on every request, as for HTTP Basic.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { clientAddress } from '../admin/client-address.js';
import type { SessionStage, WebSession } from '../db/stores/web-sessions.js';
import type { GatewayContext } from '../gateway/context.js';
import type { User } from '../model/entities.js';
import { isTrustedProxy } from '../model/proxy-trust.js';

export const sessionCookie = 'waarp_console';
/** A session waiting for its TOTP code lasts this long at most. */
export const secondFactorWindowMs = 5 * 60_000;

export interface ConsoleSession {
  readonly session: WebSession;
  readonly user: User;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The stamp of a password hash kept in the session (not the hash itself). */
export function passwordStamp(user: User): string {
  return sha256(user.passwordHash).slice(0, 32);
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request's client address, X-Forwarded-For believed from trusted proxies only. */
export function requestAddress(ctx: GatewayContext, kctx: Koa.Context): string {
  return clientAddress(
    kctx.req.socket.remoteAddress,
    kctx.get('X-Forwarded-For') || undefined,
    ctx.config.admin.trustedProxies,
  );
}

/** HTTPS to this node, or to a trusted proxy that says so (X-Forwarded-Proto). */
export function isSecure(ctx: GatewayContext, kctx: Koa.Context): boolean {
  if ((kctx.req.socket as { encrypted?: boolean }).encrypted === true) return true;
  const peer = kctx.req.socket.remoteAddress ?? '';
  return isTrustedProxy(peer, ctx.config.admin.trustedProxies) && kctx.get('X-Forwarded-Proto') === 'https';
}

export function readSessionToken(kctx: Koa.Context): string | undefined {
  const header = kctx.get('Cookie');
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === sessionCookie) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookie(ctx: GatewayContext, kctx: Koa.Context, value: string, maxAgeS: number): void {
  const secure = isSecure(ctx, kctx) ? '; Secure' : '';
  kctx.append(
    'Set-Cookie',
    `${sessionCookie}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure}`,
  );
}

export function clearSessionCookie(ctx: GatewayContext, kctx: Koa.Context): void {
  cookie(ctx, kctx, '', 0);
}

/**
 * Opens a session for `user` (after a good password, or a good TOTP code for `full` when a
 * pending one is replaced: a new token each time, so a token seen before login is worthless).
 */
export async function openSession(
  ctx: GatewayContext,
  kctx: Koa.Context,
  user: User,
  stage: SessionStage,
): Promise<WebSession> {
  const now = ctx.now();
  const { webUISessionIdleMs: idle, webUISessionLifetimeMs: lifetime } = ctx.config.admin;
  await ctx.stores.webSessions.purge(now, idle);
  const token = randomBytes(32).toString('base64url');
  const session: WebSession = {
    id: sha256(token),
    userId: user.id,
    csrfToken: randomBytes(32).toString('base64url'),
    stage,
    passwordStamp: passwordStamp(user),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + (stage === 'full' ? lifetime : Math.min(lifetime, secondFactorWindowMs)),
    clientAddress: requestAddress(ctx, kctx),
  };
  await ctx.stores.webSessions.create(session);
  cookie(ctx, kctx, token, Math.ceil((session.expiresAt - now) / 1000));
  return session;
}

/** Activity is written at most this often (not on every request). */
function touchEveryMs(idleMs: number): number {
  return Math.min(60_000, Math.floor(idleMs / 4));
}

/**
 * The session of the request's cookie and its user, or undefined when there is none or it has
 * ended (idle, lifetime, user deleted, password changed).
 */
export async function currentSession(
  ctx: GatewayContext,
  kctx: Koa.Context,
): Promise<ConsoleSession | undefined> {
  const token = readSessionToken(kctx);
  if (token === undefined) return undefined;
  const found = await ctx.stores.webSessions.getWithUser(sha256(token));
  if (found === undefined) return undefined;
  const { session, user } = found;
  const now = ctx.now();
  const idle = ctx.config.admin.webUISessionIdleMs;
  if (
    session.expiresAt <= now ||
    now - session.lastSeenAt >= idle ||
    passwordStamp(user) !== session.passwordStamp
  ) {
    await ctx.stores.webSessions.delete(session.id);
    return undefined;
  }
  if (now - session.lastSeenAt >= touchEveryMs(idle)) {
    await ctx.stores.webSessions.touch(session.id, now);
  }
  return { session, user };
}
