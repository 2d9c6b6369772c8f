/**
 * `/api/clients`: outbound engines. A client lives in the database and every node can run its
 * transfers; the actions only set `enabled` (restart is accepted and changes nothing: clients
 * hold no listener).
 */
import { clientSortKeys } from '../../db/stores/clients.js';
import type { GatewayContext } from '../../gateway/context.js';
import { readJson } from '../body.js';
import { blankClient, clientOut, mergeClient } from '../dto/clients.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { accepted, created, location, noContent, ok, param } from '../http.js';
import { findClient } from '../lookup.js';
import type { AgentAction, Operation } from '../operation.js';
import { actionOperations, crudOperations, route } from '../operation.js';
import { listOptions, listQuery, protocolFilter } from '../query.js';
import { bodyOf, editBodyOf } from '../validate.js';

const item = '/api/clients/:client';
const crud = crudOperations('Client', item, listQuery(Object.keys(clientSortKeys), protocolFilter));
const actionOps = actionOperations(item, 'clients');

export const clientOperations: Operation[] = [...Object.values(crud), ...Object.values(actionOps)];

export function clientRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { clients } = ctx.stores;

  route(router, crud.list, async (c, q) => {
    const list = await clients.list({ ...listOptions(q), protocol: q.protocol ?? [] });
    ok(c, { clients: list.map(clientOut) });
  });

  route(router, crud.create, async (c) => {
    const body = bodyOf('ClientIn', await readJson(c));
    const cl = await clients.create(mergeClient(blankClient(), body));
    created(c, location('clients', cl.name), clientOut(cl));
  });

  route(router, crud.get, async (c) => {
    ok(c, clientOut(await findClient(ctx, param(c, 'client'))));
  });

  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const old = await findClient(ctx, param(c, 'client'));
      const body = editBodyOf(method, 'Client', await readJson(c));
      const next = mergeClient(method === 'patch' ? old : blankClient(), body);
      await clients.update(old.id, next);
      created(c, location('clients', next.name), clientOut(await findClient(ctx, next.name)));
    });
  }

  route(router, crud.delete, async (c) => {
    const cl = await findClient(ctx, param(c, 'client'));
    await deleting(`client "${cl.name}"`, () => clients.delete(cl.id));
    noContent(c);
  });

  const enables: Record<AgentAction, boolean | undefined> = {
    enable: true,
    start: true,
    disable: false,
    stop: false,
    restart: undefined,
  };
  for (const [action, enabled] of Object.entries(enables) as [AgentAction, boolean | undefined][]) {
    route(router, actionOps[action], async (c) => {
      const cl = await findClient(ctx, param(c, 'client'));
      if (enabled !== undefined && cl.enabled !== enabled) await clients.update(cl.id, { ...cl, enabled });
      accepted(c, `client "${cl.name}": ${action} done`, location('clients', cl.name));
    });
  }
}
