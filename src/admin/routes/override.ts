/**
 * `/api/override/addresses`: the address indirections of the node that answers (its
 * `<instance>.ini`). They only affect that node, and only once its listeners restart, so call
 * these on a node directly, never through the load balancer. 501 on a node without an instance.
 */
import { existsSync } from 'node:fs';
import type { GatewayContext } from '../../gateway/context.js';
import { ConfigError } from '../../config/errors.js';
import {
  addIndirection,
  overrideFilePath,
  readOverrideFile,
  removeIndirection,
} from '../../config/override.js';
import { readJson } from '../body.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import type { Operation } from '../operation.js';
import { json, ref, reply, route } from '../operation.js';
import { bodyOf } from '../validate.js';

function overrideFile(ctx: GatewayContext): string {
  const instance = ctx.config.instance;
  if (instance === undefined) {
    throw new ApiError(
      'E_NOT_IMPLEMENTED',
      'this node has no instance name (-i), so it has no override file',
    );
  }
  return ctx.config.indirection.file ?? overrideFilePath(ctx.config.configDir, instance);
}

/** ConfigError → 400 with its text; the file's path stays out of the message. */
function configProblem(err: unknown): never {
  if (err instanceof ConfigError) throw badRequest(err.problems.map((p) => p.message).join('; '));
  throw err;
}

/** The file's table; a missing file is an empty one, a broken one a 400 saying what is wrong. */
function current(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const { indirection, problems } = readOverrideFile(file);
  if (problems.length > 0) configProblem(new ConfigError(problems));
  return Object.fromEntries(indirection.entries());
}

const addresses = '/api/override/addresses';
const setIndirections = (method: 'post' | 'put' | 'patch'): Operation => ({
  method,
  path: addresses,
  tag: 'override',
  summary: 'Add or replace indirections on this node (effective after a restart of its listeners)',
  perm: 'administration:w',
  body: 'Indirections',
  ok: [201, { description: 'The new table', ...json(ref('Indirections')) }],
  errs: [400, 501],
});

const ops = {
  list: {
    method: 'get',
    path: addresses,
    tag: 'override',
    summary: "This node's address indirections",
    perm: 'administration:r',
    ok: [200, reply('target → real', ref('Indirections'))],
    errs: [400, 501],
  },
  // The reference accepts POST, PUT and PATCH alike: each adds or replaces the given targets.
  post: setIndirections('post'),
  put: setIndirections('put'),
  patch: setIndirections('patch'),
  remove: {
    method: 'delete',
    path: `${addresses}/:target`,
    tag: 'override',
    summary: 'Remove an indirection on this node',
    perm: 'administration:d',
    ok: [204, reply('Removed')],
    errs: [400, 404, 501],
  },
} satisfies Record<string, Operation>;

export const overrideOperations: Operation[] = Object.values(ops);

export function overrideRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.list, (c) => {
    ok(c, current(overrideFile(ctx)));
  });

  for (const op of [ops.post, ops.put, ops.patch]) {
    route(router, op, async (c) => {
      const file = overrideFile(ctx);
      const entries = Object.entries(bodyOf('Indirections', await readJson(c)));
      try {
        for (const [target, real] of entries) addIndirection(file, target, real);
      } catch (err) {
        configProblem(err);
      }
      created(c, location('override', 'addresses'), current(file));
    });
  }

  route(router, ops.remove, (c) => {
    const file = overrideFile(ctx);
    const target = param(c, 'target');
    let removed = false;
    try {
      removed = removeIndirection(file, target).removed;
    } catch (err) {
      configProblem(err);
    }
    if (!removed) throw notFound(`no indirection for "${target}"`);
    noContent(c);
  });
}
