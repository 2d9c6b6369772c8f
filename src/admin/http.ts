/** Response helpers with the reference's status codes, and the router types of the admin API. */
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import type { AuthState } from './auth.js';
import { badRequest } from './errors.js';

export type ApiRouter = Router<AuthState>;
export type ApiContext = RouterContext<AuthState>;

/** `/api/servers/a%2Fb` from ('servers', 'a/b'). */
export function location(...segments: (string | number)[]): string {
  return '/api/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

export function ok(c: ApiContext, body: unknown): void {
  c.status = 200;
  c.body = body;
}

/** 201 + Location, for creates and updates (the object may have been renamed). */
export function created(c: ApiContext, where: string, body: unknown): void {
  c.status = 201;
  c.set('Location', where);
  c.body = body;
}

/** 202 for actions (enable, pause, …). */
export function accepted(c: ApiContext, message: string, where?: string): void {
  c.status = 202;
  if (where !== undefined) c.set('Location', where);
  c.body = { message };
}

export function noContent(c: ApiContext): void {
  c.status = 204;
  c.body = null;
}

/** A path parameter (already URI-decoded by the router). */
export function param(c: ApiContext, name: string): string {
  const v = c.params[name];
  if (v === undefined) throw new Error(`route has no parameter ${name}`);
  return v;
}

/** `send`/`receive` of rule paths → isSend. */
export function direction(c: ApiContext, name = 'dir'): boolean {
  const dir = param(c, name);
  if (dir === 'send') return true;
  if (dir === 'receive') return false;
  throw badRequest(`the rule direction must be "send" or "receive", got "${dir}"`);
}

export const dirName = (isSend: boolean): 'send' | 'receive' => (isSend ? 'send' : 'receive');
