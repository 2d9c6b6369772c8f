/**
 * What every route checks before its own code runs, in one place for the whole API: a user
 * (a handler never runs without one, unless the route is one of the public probes), a path and
 * a query string that are valid UTF-8, only the query parameters the OpenAPI document declares
 * for the route (a single-valued one given once), and a body only as `application/json` within
 * the generic JSON bounds (src/admin/body.ts). The route's operation (src/admin/operation.ts)
 * is the declaration the OpenAPI document shows: a route and its description cannot disagree.
 */
import type Koa from 'koa';
import type { AuthState } from './auth.js';
import { hasBody, readJson, requireJsonType } from './body.js';
import { ApiError, badRequest } from './errors.js';
import type { Operation } from './operation.js';

/** What one operation accepts: query parameter → repeatable (an array schema), and a body. */
function accepts(op: Operation): { query: ReadonlyMap<string, boolean>; body: boolean } {
  const query = new Map<string, boolean>();
  for (const [name, schema] of Object.entries(op.query?.properties ?? {})) {
    query.set(name, (schema as { type?: string }).type === 'array');
  }
  return { query, body: op.body !== undefined };
}

/** Strict percent-decoding: malformed escapes or bytes that are not UTF-8 are a 400. */
function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`${what} is not valid UTF-8 percent-encoding`);
  }
}

function checkPath(rawPath: string): void {
  for (const segment of rawPath.split('/')) decode(segment, 'the request path');
}

function checkQuery(querystring: string, allowed: ReadonlyMap<string, boolean>): void {
  if (querystring === '') return;
  const seen = new Set<string>();
  for (const pair of querystring.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '), 'the query string');
    if (eq >= 0) decode(pair.slice(eq + 1).replaceAll('+', ' '), 'the query string');
    const repeatable = allowed.get(name);
    if (repeatable === undefined) {
      const list = allowed.size === 0 ? 'none' : [...allowed.keys()].join(', ');
      throw badRequest(`unknown query parameter "${name}" (expected: ${list})`);
    }
    if (seen.has(name) && !repeatable) throw badRequest(`query parameter "${name}" must not be repeated`);
    seen.add(name);
  }
}

/** The checks every route runs first, from what its operation declares. */
export function guard(op: Operation): Koa.Middleware<AuthState> {
  const isPublic = op.public === true;
  const spec = accepts(op);
  return async (c, next) => {
    // Defence in depth: authentication runs before routing for every non-public path.
    if (!isPublic && (c.state as Partial<AuthState>).user === undefined) {
      throw new ApiError('E_UNAUTHORIZED', 'authentication required (HTTP Basic)');
    }
    checkPath(c.path);
    checkQuery(c.querystring, spec.query);
    if (spec.body) await readJson(c);
    else if (hasBody(c)) requireJsonType(c);
    await next();
  };
}
