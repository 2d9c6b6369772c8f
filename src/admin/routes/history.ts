/** `/api/history`: finished transfers (DONE, CANCELLED), with the reference's filters. */
import { transferSortKeys } from '../../db/stores/transfers.js';
import type { TransferFilter } from '../../db/stores/transfers.js';
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { transferOut } from '../dto/transfers.js';
import { notFound } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import { checkParams, date, listOptions, many } from '../paging.js';
import { retryTransfer, statuses, transferId } from './transfers.js';

export function historyRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { transfers } = ctx.stores;

  router.get('/api/history', need('transfers', 'r'), async (c) => {
    checkParams(c.query, ['requester', 'requested', 'rule', 'status', 'protocol', 'start', 'stop']);
    const filter: TransferFilter = {
      historyOnly: true,
      account: many(c.query, 'requester'),
      agent: many(c.query, 'requested'),
      rule: many(c.query, 'rule'),
      status: statuses(many(c.query, 'status')),
      protocol: many(c.query, 'protocol'),
    };
    const start = date(c.query, 'start');
    const stop = date(c.query, 'stop');
    if (start !== undefined) filter.startAfter = start;
    if (stop !== undefined) filter.stopBefore = stop;
    const list = await transfers.listNormalized(filter, listOptions(c.query, transferSortKeys));
    ok(c, { history: list.map(transferOut) });
  });

  router.get('/api/history/:id', need('transfers', 'r'), async (c) => {
    const id = transferId(c);
    const t = await transfers.getNormalized(id);
    if (t?.isHistory !== true) throw notFound(`history entry ${id} not found`);
    ok(c, transferOut(t));
  });

  // Deprecated in the reference, kept for scripts: same as /api/transfers/:id/retry.
  router.put('/api/history/:id/retry', need('transfers', 'w'), retryTransfer(ctx));
}
