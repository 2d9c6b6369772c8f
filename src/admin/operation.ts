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

/** Each object's OpenAPI tag, permission target and list key (`{"servers": […]}`). */
const crudObjects = {
  User: { tag: 'users', perm: 'users', listKey: 'users' },
  Server: { tag: 'servers', perm: 'servers', listKey: 'servers' },
  LocalAccount: { tag: 'local accounts', perm: 'servers', listKey: 'localAccounts' },
  Partner: { tag: 'partners', perm: 'partners', listKey: 'partners' },
  RemoteAccount: { tag: 'remote accounts', perm: 'partners', listKey: 'remoteAccounts' },
  Client: { tag: 'clients', perm: 'servers', listKey: 'clients' },
  Rule: { tag: 'rules', perm: 'rules', listKey: 'rules' },
} as const satisfies Record<string, { tag: string; perm: PermissionTarget; listKey: string }>;

/**
 * The six operations of a collection of `schema` objects: list (with `query`) and create on the
 * collection, get, patch, put and delete on `item` (`/api/servers/:server`; the collection is
 * its path without the trailing parameters).
 */
export function crudOperations<Q extends TObject>(
  schema: keyof typeof crudObjects,
  item: string,
  query: Q,
): { list: Operation<Q> } & Record<'create' | 'get' | 'patch' | 'put' | 'delete', Operation> {
  const { tag, perm, listKey } = crudObjects[schema];
  const collection = item.replace(/(\/:\w+)+$/, '');
  const write = { tag, perm: `${perm}:w`, ok: [201, created(schema)], errs: [400, 404, 409] } as const;
  const read = { tag, perm: `${perm}:r`, errs: [400, 404] } as const;
  return {
    list: {
      ...read,
      method: 'get',
      path: collection,
      summary: `List ${listKey}`,
      query,
      ok: [200, reply('One page', listOf(listKey, schema))],
    },
    create: { ...write, method: 'post', path: collection, summary: 'Create', body: `${schema}In` },
    get: {
      ...read,
      method: 'get',
      path: item,
      summary: 'Get one',
      ok: [200, reply('The object', ref(schema))],
    },
    patch: {
      ...write,
      method: 'patch',
      path: item,
      summary: 'Update the given fields',
      body: `${schema}Patch`,
    },
    put: {
      ...write,
      method: 'put',
      path: item,
      summary: 'Replace (omitted fields are reset)',
      body: `${schema}In`,
    },
    delete: {
      method: 'delete',
      path: item,
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
