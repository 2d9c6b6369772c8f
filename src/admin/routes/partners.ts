/** `/api/partners`: remote agents, the peers we connect to. */
import { partnerSortKeys } from '../../db/stores/partners.js';
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { readJson } from '../body.js';
import { blankPartner, mergePartner, partnerOut } from '../dto/partners.js';
import { deleting } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { created, location, noContent, ok, param } from '../http.js';
import { findPartner } from '../lookup.js';
import { checkParams, listOptions, many } from '../paging.js';
import { bodyOf } from '../validate.js';
import type { OwnerSpec } from './owned.js';
import { registerAccess, registerCredentials } from './owned.js';

export function partnerRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { partners } = ctx.stores;

  router.get('/api/partners', need('partners', 'r'), async (c) => {
    checkParams(c.query, ['protocol']);
    const list = await partners.list({
      ...listOptions(c.query, partnerSortKeys),
      protocol: many(c.query, 'protocol'),
    });
    ok(c, { partners: await Promise.all(list.map((p) => partnerOut(ctx, p))) });
  });

  router.post('/api/partners', need('partners', 'w'), async (c) => {
    const body = bodyOf('PartnerIn', await readJson(c));
    const p = await partners.create(mergePartner(blankPartner(), body));
    created(c, location('partners', p.name), await partnerOut(ctx, p));
  });

  router.get('/api/partners/:partner', need('partners', 'r'), async (c) => {
    ok(c, await partnerOut(ctx, await findPartner(ctx, param(c, 'partner'))));
  });

  for (const method of ['patch', 'put'] as const) {
    router[method]('/api/partners/:partner', need('partners', 'w'), async (c) => {
      const old = await findPartner(ctx, param(c, 'partner'));
      const json = await readJson(c);
      const next =
        method === 'patch'
          ? mergePartner(old, bodyOf('PartnerPatch', json))
          : mergePartner(blankPartner(), bodyOf('PartnerIn', json));
      await partners.update(old.id, next);
      created(c, location('partners', next.name), await partnerOut(ctx, await findPartner(ctx, next.name)));
    });
  }

  router.delete('/api/partners/:partner', need('partners', 'd'), async (c) => {
    const p = await findPartner(ctx, param(c, 'partner'));
    await deleting(`partner "${p.name}"`, () => partners.delete(p.id));
    noContent(c);
  });

  const owner: OwnerSpec = {
    path: '/api/partners/:partner',
    permission: 'partners',
    resolve: async (c) => {
      const p = await findPartner(ctx, param(c, 'partner'));
      return {
        target: { kind: 'partner', id: p.id },
        label: `partner "${p.name}"`,
        location: location('partners', p.name),
      };
    },
  };
  registerCredentials(router, ctx, owner);
  registerAccess(router, ctx, owner);
}
