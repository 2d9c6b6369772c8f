/** `/api/partners`: remote agents, the peers we connect to. */
import { partnerSortKeys } from '../../db/stores/partners.js';
import type { GatewayContext } from '../../gateway/context.js';
import { readJson } from '../body.js';
import { blankPartner, mergePartner, partnerOut } from '../dto/partners.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { findPartner } from '../lookup.js';
import type { Operation } from '../operation.js';
import { crudOperations, route } from '../operation.js';
import { listOptions, listQuery, protocolFilter } from '../query.js';
import { bodyOf, editBodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { ownedOperations, ownedRoutes } from './owned.js';

const item = '/api/partners/:partner';
const crud = crudOperations('Partner', item, listQuery(Object.keys(partnerSortKeys), protocolFilter));
const owned = ownedOperations(item, 'partners', 'partners');

export const partnerOperations: Operation[] = [...Object.values(crud), ...Object.values(owned)];

export function partnerRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { partners } = ctx.stores;

  route(router, crud.list, async (c, q) => {
    const list = await partners.list({ ...listOptions(q), protocol: q.protocol ?? [] });
    ok(c, { partners: await Promise.all(list.map((p) => partnerOut(ctx, p))) });
  });

  route(router, crud.create, async (c) => {
    const body = bodyOf('PartnerIn', await readJson(c));
    const p = await partners.create(mergePartner(blankPartner(), body));
    created(c, location('partners', p.name), await partnerOut(ctx, p));
  });

  route(router, crud.get, async (c) => {
    ok(c, await partnerOut(ctx, await findPartner(ctx, param(c, 'partner'))));
  });

  for (const method of ['patch', 'put'] as const) {
    route(router, crud[method], async (c) => {
      const old = await findPartner(ctx, param(c, 'partner'));
      const body = editBodyOf(method, 'Partner', await readJson(c));
      const next = mergePartner(method === 'patch' ? old : blankPartner(), body);
      await partners.update(old.id, next);
      created(c, location('partners', next.name), await partnerOut(ctx, await findPartner(ctx, next.name)));
    });
  }

  route(router, crud.delete, async (c) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    await deleting(`partner "${p.name}"`, () => partners.delete(p.id));
    noContent(c);
  });

  const owner: OwnerSpec = {
    ops: owned,
    resolve: async (c) => {
      const p = await findPartner(ctx, param(c, 'partner'));
      return {
        target: { kind: 'partner', id: p.id },
        label: `partner "${p.name}"`,
        location: location('partners', p.name),
      };
    },
  };
  ownedRoutes(router, ctx, owner);
}
