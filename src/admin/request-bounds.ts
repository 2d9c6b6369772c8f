/**
 * What every route checks before its own code runs, in one place for the whole API: a user
 * (a handler never runs without one, unless the route is one of the public probes), a path and
 * a query string that are valid UTF-8, only the query parameters the OpenAPI document declares
 * for the route (a single-valued one given once), and a body only as `application/json` within
 * the generic JSON bounds (src/admin/body.ts). The OpenAPI document is the declaration: a route
 * and its description cannot disagree on what it accepts.
 */
import type Koa from 'koa';
import type { AuthState } from './auth.js';
import { publicPaths } from './auth.js';
import { hasBody, readJson, requireJsonType } from './body.js';
import { ApiError, badRequest } from './errors.js';
import type { ApiRouter } from './http.js';

type Obj = Record<string, unknown>;

/** What the OpenAPI document says one operation accepts. */
interface Accepts {
  /** Query parameter → repeatable (an array schema). */
  readonly query: ReadonlyMap<string, boolean>;
  readonly body: boolean;
}

function accepts(doc: Obj, path: string, method: string): Accepts {
  const item = (doc.paths as Record<string, Record<string, Obj> | undefined>)[path];
  const op = item?.[method.toLowerCase()];
  if (op === undefined) throw new Error(`route ${method} ${path} is missing from the OpenAPI document`);
  const query = new Map<string, boolean>();
  for (const p of (op.parameters ?? []) as { name: string; in: string; schema?: { type?: string } }[]) {
    if (p.in === 'query') query.set(p.name, p.schema?.type === 'array');
  }
  return { query, body: op.requestBody !== undefined };
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

function guard(isPublic: boolean, spec: Accepts): Koa.Middleware<AuthState> {
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

/** Puts the guard first on every route of `router`, from what `doc` declares of each. */
export function boundRoutes(router: ApiRouter, doc: Obj): void {
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
    const path = layer.path.replace(/:(\w+)/g, '{$1}');
    const method = layer.methods.find((m) => m !== 'HEAD') ?? 'GET';
    layer.stack.unshift(guard(publicPaths.has(layer.path), accepts(doc, path, method)));
  }
}
