/**
 * `/api/servers`: local agents. Actions only write the database (`enabled`, `revision`): every
 * node's SFTP service reconciles its listeners from it, so an action through any node reaches
 * the whole cluster.
 */
import { resolve } from 'node:path';
import { serverSortKeys } from '../../db/stores/servers.js';
import type { ServerInput } from '../../db/stores/servers.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { Server } from '../../model/entities.js';
import { proxyProtocolProblem } from '../../model/proxy-trust.js';
import { readJson } from '../body.js';
import { blankServer, mergeServer, serverOut } from '../dto/servers.js';
import { badRequest, deleting } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import { accepted, created, location, noContent, ok, param } from '../http.js';
import { findServer } from '../lookup.js';
import type { Operation } from '../operation.js';
import { actionOperations, agentActions, crudOperations, route } from '../operation.js';
import { listOptions, listQuery, protocolFilter } from '../query.js';
import { PrivilegeCheck } from '../privileged.js';
import { bodyOf, editBodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { ownedOperations, ownedRoutes } from './owned.js';

/**
 * A server's folders: the root outside GatewayHome needs `administration:w`, and none of the
 * folders partners see may hold the gateway's own files (src/admin/privileged.ts). Only what
 * changed is checked; the folders under a root move with it.
 */
function checkFolders(ctx: GatewayContext, c: ApiContext, next: ServerInput, old?: Server): void {
  const home = ctx.config.paths.gatewayHome;
  const root = next.rootDir === '' ? home : resolve(home, next.rootDir);
  const rootChanged = next.rootDir !== old?.rootDir;
  const leaves = (['receiveDir', 'sendDir', 'tmpReceiveDir'] as const)
    .filter((field) => rootChanged || next[field] !== old?.[field])
    .map((field) => ({ field, value: next[field], base: root, underRoot: next.rootDir !== '' }));
  new PrivilegeCheck(ctx.config, c.state.user).folders([
    ...(rootChanged ? [{ field: 'rootDir', value: next.rootDir, base: home, served: false }] : []),
    ...leaves,
  ]);
}

/** A server expecting PROXY headers needs trusted proxies (the listener would refuse it too). */
function checkProxyTrust(ctx: GatewayContext, s: ServerInput): ServerInput {
  const problem = proxyProtocolProblem(s.protoConfig, ctx.config.admin.trustedProxies);
  if (problem !== undefined) throw badRequest(problem);
  return s;
}

const item = '/api/servers/:server';
const crud = crudOperations('Server', item, listQuery(Object.keys(serverSortKeys), protocolFilter));
const actionOps = actionOperations(item, 'servers');
const owned = ownedOperations(item, 'servers', 'servers');

export const serverOperations: Operation[] = [
  ...Object.values(crud),
  ...Object.values(actionOps),
  ...Object.values(owned),
];

export function serverRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { servers } = ctx.stores;

  route(router, crud.list, async (c, q) => {
    const list = await servers.list({ ...listOptions(q), protocol: q.protocol ?? [] });
    ok(c, { servers: await Promise.all(list.map((s) => serverOut(ctx, s))) });
  });

  route(router, crud.create, async (c) => {
    const body = bodyOf('ServerIn', await readJson(c));
    const next = checkProxyTrust(ctx, mergeServer(blankServer(), body));
    checkFolders(ctx, c, next);
    const s = await servers.create(next);
    created(c, location('servers', s.name), await serverOut(ctx, s));
  });

  route(router, crud.get, async (c) => {
    ok(c, await serverOut(ctx, await findServer(ctx, param(c, 'server'))));
  });

  // PATCH keeps omitted fields; PUT resets them (the listener state is kept: it has its own actions).
  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const old = await findServer(ctx, param(c, 'server'));
      const body = editBodyOf(method, 'Server', await readJson(c));
      const next = mergeServer(method === 'patch' ? old : blankServer(old.enabled), body);
      checkFolders(ctx, c, next, old);
      await servers.update(old.id, checkProxyTrust(ctx, next));
      created(c, location('servers', next.name), await serverOut(ctx, await findServer(ctx, next.name)));
    });
  }

  route(router, crud.delete, async (c) => {
    const s = await findServer(ctx, param(c, 'server'));
    await deleting(`server "${s.name}"`, () => servers.delete(s.id));
    noContent(c);
  });

  const run = {
    enable: (id: number) => servers.setEnabled(id, true),
    start: (id: number) => servers.setEnabled(id, true),
    disable: (id: number) => servers.setEnabled(id, false),
    stop: (id: number) => servers.setEnabled(id, false),
    restart: (id: number) => servers.touch(id),
  };
  for (const action of agentActions) {
    route(router, actionOps[action], async (c) => {
      const s = await findServer(ctx, param(c, 'server'));
      await run[action](s.id);
      accepted(
        c,
        `server "${s.name}": ${action} requested; every node applies it`,
        location('servers', s.name),
      );
    });
  }

  const owner: OwnerSpec = {
    ops: owned,
    resolve: async (c) => {
      const s = await findServer(ctx, param(c, 'server'));
      return {
        target: { kind: 'server', id: s.id },
        label: `server "${s.name}"`,
        location: location('servers', s.name),
        changed: () => servers.touch(s.id),
      };
    },
  };
  ownedRoutes(router, ctx, owner);
}
