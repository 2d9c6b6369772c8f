/**
 * The admin API's error model: handlers throw an ApiError (or let a store error through), and
 * one middleware, registered first, turns every error into `{ error: { code, message } }`.
 * Unexpected errors are logged once with the request id and answered as an opaque 500.
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../log.js';
import { ForeignKeyViolationError, UniqueViolationError } from '../db/sql.js';
import { PlanningError } from '../transfer/planner.js';

export type ApiErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN'
  | 'E_NOT_FOUND'
  | 'E_METHOD_NOT_ALLOWED'
  | 'E_CONFLICT'
  | 'E_TOO_LARGE'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_BANNED'
  | 'E_INTERNAL'
  | 'E_NOT_IMPLEMENTED'
  | 'E_UNAVAILABLE';

const statusOf: Record<ApiErrorCode, number> = {
  E_BAD_REQUEST: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_CONFLICT: 409,
  E_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_BANNED: 429,
  E_INTERNAL: 500,
  E_NOT_IMPLEMENTED: 501,
  E_UNAVAILABLE: 503,
};

/** An error whose message is meant for the API client. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = statusOf[code];
  }
}

export const badRequest = (message: string): ApiError => new ApiError('E_BAD_REQUEST', message);
export const notFound = (message: string): ApiError => new ApiError('E_NOT_FOUND', message);
export const conflict = (message: string): ApiError => new ApiError('E_CONFLICT', message);
export const forbidden = (message: string): ApiError => new ApiError('E_FORBIDDEN', message);

/**
 * Runs a delete; a foreign-key refusal becomes a 409 naming the object (transfers keep
 * references to their rule, client and accounts until they are finished).
 */
export async function deleting(label: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ForeignKeyViolationError) {
      throw conflict(`${label} is still used by unfinished transfers: cancel or finish them first`);
    }
    throw err;
  }
}

/** State every request carries (set by the error and auth middlewares). */
export interface ApiState {
  requestId: string;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * First middleware: request id, `Server` headers, and the mapping of every error to JSON.
 * A caller's `X-Request-Id` is kept when it looks sane, so a proxy's id follows the request.
 */
export function errorMiddleware(log: Logger, version: string): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = requestIdPattern.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    ctx.set('Server', `waarp-gatewayd/${version}`);
    ctx.set('Waarp-Gateway-Date', new Date().toUTCString());
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError('E_NOT_FOUND', `no such resource: ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const api = toApiError(err);
      if (api.status >= 500 && !(err instanceof ApiError)) {
        log.error({ err, requestId, method: ctx.method, path: ctx.path }, 'admin request failed');
      } else {
        log.debug({ requestId, method: ctx.method, path: ctx.path, status: api.status }, api.message);
      }
      ctx.status = api.status;
      for (const [name, value] of Object.entries(api.headers)) ctx.set(name, value);
      ctx.body = { error: { code: api.code, message: api.message, requestId } };
    }
  };
}

/** Maps store and framework errors to API errors; anything unknown becomes an opaque 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof PlanningError) {
    return new ApiError(err.kind === 'not-found' ? 'E_NOT_FOUND' : 'E_BAD_REQUEST', err.message);
  }
  if (err instanceof UniqueViolationError) return conflict('an object with this name already exists');
  if (err instanceof ForeignKeyViolationError) {
    return conflict(
      'the object is referenced by other objects (e.g. transfers) or names one that does not exist',
    );
  }
  const status = (err as { status?: unknown }).status;
  const expose = (err as { expose?: unknown }).expose === true;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (Object.entries(statusOf).find(([, s]) => s === status)?.[0] ??
      'E_BAD_REQUEST') as ApiErrorCode;
    const message = expose && err instanceof Error ? err.message : 'bad request';
    return new ApiError(code, message);
  }
  return new ApiError('E_INTERNAL', 'internal error (see the gateway log for this request id)');
}
