/** What every console route handler gets: the koa context with the session's user, if any. */
import type { RouterContext } from '@koa/router';
import type Router from '@koa/router';
import type { WebSession } from '../db/stores/web-sessions.js';
import type { GatewayContext } from '../gateway/context.js';
import type { User } from '../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../model/permissions.js';
import type { ApiRouter } from '../admin/http.js';
import type { Html } from './html.js';
import { can } from './layout.js';
import type { PageUser } from './layout.js';
import type { LiveHub } from './live.js';

export interface WebState {
  /** Set by the session middleware on every route but the login pages and assets. */
  session?: WebSession;
  user?: User;
}

export type WebContext = RouterContext<WebState>;
export type WebRouter = Router<WebState>;

export interface Console {
  readonly ctx: GatewayContext;
  readonly hub: LiveHub;
  /** The REST router, to know which routes exist (e.g. #15's own-password route). */
  readonly api: ApiRouter;
}

/** An error shown as an HTML page with its status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

export function who(c: WebContext): PageUser & { session: WebSession } {
  const { session, user } = c.state;
  if (session === undefined || user === undefined) throw new PageError(401, 'not logged in');
  return { user, session, csrfToken: session.csrfToken };
}

/** 403 unless the user has the right (pages and buttons are also hidden; this is the refusal). */
export function need(c: WebContext, target: PermissionTarget, right: PermissionRight): User {
  const { user } = who(c);
  if (!can(user, target, right)) {
    const names = { r: 'read', w: 'write', d: 'delete' } as const;
    throw new PageError(403, `this page needs the "${names[right]}" right on "${target}"`);
  }
  return user;
}

export function send(c: WebContext, body: Html, status = 200): void {
  c.status = status;
  c.type = 'text/html; charset=utf-8';
  c.body = body.text;
}
