/**
 * `/api/clients`: outbound engines. A client lives in the database and every node can run its
 * transfers; the actions only set `enabled` (restart is accepted and changes nothing: clients
 * hold no listener).
 */
import { clientSortKeys } from '../../db/stores/clients.js';
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { readJson } from '../body.js';
import { blankClient, clientOut, mergeClient } from '../dto/clients.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { accepted, created, location, noContent, ok, param } from '../http.js';
import { findClient } from '../lookup.js';
import { checkParams, listOptions, many } from '../paging.js';
import { bodyOf } from '../validate.js';

export function clientRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { clients } = ctx.stores;

  router.get('/api/clients', need('servers', 'r'), async (c) => {
    checkParams(c.query, ['protocol']);
    const list = await clients.list({
      ...listOptions(c.query, clientSortKeys),
      protocol: many(c.query, 'protocol'),
    });
    ok(c, { clients: list.map(clientOut) });
  });

  router.post('/api/clients', need('servers', 'w'), async (c) => {
    const body = bodyOf('ClientIn', await readJson(c));
    const cl = await clients.create(mergeClient(blankClient(), body));
    created(c, location('clients', cl.name), clientOut(cl));
  });

  router.get('/api/clients/:client', need('servers', 'r'), async (c) => {
    ok(c, clientOut(await findClient(ctx, param(c, 'client'))));
  });

  for (const method of ['patch', 'put'] as const) {
    router[method]('/api/clients/:client', need('servers', 'w'), async (c) => {
      const old = await findClient(ctx, param(c, 'client'));
      const json = await readJson(c);
      const next =
        method === 'patch'
          ? mergeClient(old, bodyOf('ClientPatch', json))
          : mergeClient(blankClient(), bodyOf('ClientIn', json));
      await clients.update(old.id, next);
      created(c, location('clients', next.name), clientOut(await findClient(ctx, next.name)));
    });
  }

  router.delete('/api/clients/:client', need('servers', 'd'), async (c) => {
    const cl = await findClient(ctx, param(c, 'client'));
    await deleting(`client "${cl.name}"`, () => clients.delete(cl.id));
    noContent(c);
  });

  const actions: Record<string, boolean | undefined> = {
    enable: true,
    start: true,
    disable: false,
    stop: false,
    restart: undefined,
  };
  for (const [action, enabled] of Object.entries(actions)) {
    router.put(`/api/clients/:client/${action}`, need('servers', 'w'), async (c) => {
      const cl = await findClient(ctx, param(c, 'client'));
      if (enabled !== undefined && cl.enabled !== enabled) await clients.update(cl.id, { ...cl, enabled });
      accepted(c, `client "${cl.name}": ${action} done`, location('clients', cl.name));
    });
  }
}
