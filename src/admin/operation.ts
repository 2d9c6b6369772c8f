/**
 * One operation of the admin API, declared once beside its handler: its path, who may call it,
 * what it accepts (query parameters, body) and what it answers. `route()` mounts it with the
 * checks the declaration implies (src/admin/request-bounds.ts, the permission); the OpenAPI
 * document (src/admin/openapi.ts) renders the same declarations, so the two cannot disagree.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { PermissionRight, PermissionTarget } from '../model/permissions.js';
import type { ComponentName } from '../schema/index.js';
import { need } from './auth.js';
import type { ApiContext, ApiRouter } from './http.js';
import { queryValidator, readQuery } from './query.js';
import { guard } from './request-bounds.js';

export type Obj = Record<string, unknown>;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `servers:w`: the right needed on a permission target. */
export type Permission = `${PermissionTarget}:${PermissionRight}`;

export interface Operation<Q extends TObject = TObject> {
  readonly method: Method;
  /** The router's form: `/api/servers/:server`. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  /** The permission needed; none: any authenticated user. */
  readonly perm?: Permission;
  /** Answered without a login (the probes of load balancers). */
  readonly public?: boolean;
  /** The query parameters, one property each; an array is a repeatable one (src/admin/query.ts). */
  readonly query?: Q;
  /** The request body's schema (request bodies refuse unknown fields, as the reference's). */
  readonly body?: ComponentName;
  /** The success status and its reply. */
  readonly ok: readonly [number, Obj];
  /** Error statuses beyond the ones every authenticated route has (see src/admin/openapi.ts). */
  readonly errs?: readonly number[];
  /** Other statuses with their own reply (not the error shape). */
  readonly replies?: Readonly<Record<number, Obj>>;
}

/**
 * Mounts `op` on `router`: the request bounds first, then the permission, then `handler` with
 * the query parameters checked and typed by the operation's schema.
 */
export function route<Q extends TObject>(
  router: ApiRouter,
  op: Operation<Q>,
  handler: (c: ApiContext, query: Static<Q>) => unknown,
): void {
  const checks = [guard(op)];
  if (op.perm !== undefined) {
    const [target, right] = op.perm.split(':') as [PermissionTarget, PermissionRight];
    checks.push(need(target, right));
  }
  const query = op.query;
  if (query !== undefined) queryValidator(query); // compiled now, not on the first request
  router[op.method](op.path, ...checks, async (c) => {
    await handler(c, query === undefined ? {} : readQuery(query, c.query));
  });
}

// Replies, as the document shows them.

export const ref = (name: ComponentName): Obj => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Obj): Obj => ({ content: { 'application/json': { schema } } });
export const reply = (description: string, schema?: Obj): Obj =>
  schema === undefined ? { description } : { description, ...json(schema) };
export const messageReply = (description: string): Obj => reply(description, ref('Message'));
/** `{<key>: [<item>…]}`: a list reply. */
export const listOf = (key: string, item: ComponentName): Obj => ({
  type: 'object',
  properties: { [key]: { type: 'array', items: ref(item) } },
  required: [key],
});
export const created = (name: ComponentName): Obj => ({
  description: 'Created or updated; `Location` names the object.',
  headers: { Location: { schema: { type: 'string' }, description: 'Path of the object' } },
  ...json(ref(name)),
});

/** The six operations of a collection of named objects and its items. */
export function crudOperations<Q extends TObject>(o: {
  collection: string;
  item: string;
  tag: string;
  perm: PermissionTarget;
  schema: 'User' | 'Server' | 'LocalAccount' | 'Partner' | 'RemoteAccount' | 'Client' | 'Rule';
  listKey: string;
  query: Q;
}): { list: Operation<Q> } & Record<'create' | 'get' | 'patch' | 'put' | 'delete', Operation> {
  const { tag, perm, schema } = o;
  const write = { tag, perm: `${perm}:w`, ok: [201, created(schema)], errs: [400, 404, 409] } as const;
  return {
    list: {
      method: 'get',
      path: o.collection,
      tag,
      summary: `List ${o.listKey}`,
      perm: `${perm}:r`,
      query: o.query,
      ok: [200, reply('One page', listOf(o.listKey, schema))],
      errs: [400, 404],
    },
    create: { method: 'post', path: o.collection, summary: 'Create', body: `${schema}In`, ...write },
    get: {
      method: 'get',
      path: o.item,
      tag,
      summary: 'Get one',
      perm: `${perm}:r`,
      ok: [200, reply('The object', ref(schema))],
      errs: [400, 404],
    },
    patch: {
      method: 'patch',
      path: o.item,
      summary: 'Update the given fields',
      body: `${schema}Patch`,
      ...write,
    },
    put: {
      method: 'put',
      path: o.item,
      summary: 'Replace (omitted fields are reset)',
      body: `${schema}In`,
      ...write,
    },
    delete: {
      method: 'delete',
      path: o.item,
      tag,
      summary: 'Delete',
      perm: `${perm}:d`,
      ok: [204, reply('Deleted')],
      errs: [400, 404, 409],
    },
  };
}

export const agentActions = ['enable', 'disable', 'start', 'stop', 'restart'] as const;
export type AgentAction = (typeof agentActions)[number];

/** `PUT <item>/<action>` of servers and clients. */
export function actionOperations(item: string, tag: string): Record<AgentAction, Operation> {
  const op = (action: AgentAction): Operation => ({
    method: 'put',
    path: `${item}/${action}`,
    tag,
    summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)}`,
    perm: 'servers:w',
    ok: [202, messageReply('Accepted')],
    errs: [404],
  });
  return {
    enable: op('enable'),
    disable: op('disable'),
    start: op('start'),
    stop: op('stop'),
    restart: op('restart'),
  };
}
