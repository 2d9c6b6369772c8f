/** `/api/history`: finished transfers (DONE, CANCELLED), with the reference's filters. */
import type { TransferFilter } from '../../db/stores/transfers.js';
import type { GatewayContext } from '../../gateway/context.js';
import { transferOut } from '../dto/transfers.js';
import { notFound } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import type { Operation } from '../operation.js';
import { listOf, ref, reply, route } from '../operation.js';
import { epochMs, listOptions, listQuery, names, rfc3339Param } from '../query.js';
import { retryOperation, retryTransfer, statusFilter, transferId } from './transfers.js';
import { transferSortKeyNames } from '../../schema/lists.js';

const ops = {
  list: {
    method: 'get',
    path: '/api/history',
    tag: 'history',
    summary: 'List finished transfers',
    perm: 'transfers:r',
    query: listQuery(transferSortKeyNames, {
      requester: names('Account logins (repeatable).'),
      requested: names('Server or partner names (repeatable).'),
      rule: names('Rule names (repeatable).'),
      status: statusFilter('Statuses (repeatable).'),
      protocol: names('Protocols (repeatable).'),
      start: rfc3339Param('Started at or after.'),
      stop: rfc3339Param('Ended at or before.'),
    }),
    ok: [200, reply('One page', listOf('history', 'Transfer'))],
    errs: [400],
  },
  get: {
    method: 'get',
    path: '/api/history/:id',
    tag: 'history',
    summary: 'Get a finished transfer',
    perm: 'transfers:r',
    ok: [200, reply('The transfer', ref('Transfer'))],
    errs: [400, 404],
  },
  // Deprecated in the reference, kept for scripts: same as /api/transfers/:id/retry.
  retry: retryOperation(
    '/api/history/:id/retry',
    'history',
    'Deprecated: same as /api/transfers/{id}/retry',
    'When to start (RFC 3339).',
  ),
} satisfies Record<string, Operation>;

export const historyOperations: Operation[] = Object.values(ops);

export function historyRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { transfers } = ctx.stores;

  route(router, ops.list, async (c, q) => {
    const filter: TransferFilter = {
      historyOnly: true,
      account: q.requester ?? [],
      agent: q.requested ?? [],
      rule: q.rule ?? [],
      status: q.status ?? [],
      protocol: q.protocol ?? [],
    };
    const start = epochMs(q.start);
    const stop = epochMs(q.stop);
    if (start !== undefined) filter.startAfter = start;
    if (stop !== undefined) filter.stopBefore = stop;
    const list = await transfers.listNormalized(filter, listOptions(q));
    ok(c, { history: list.map(transferOut) });
  });

  route(router, ops.get, async (c) => {
    const id = transferId(c);
    const t = await transfers.getNormalized(id);
    if (t?.isHistory !== true) throw notFound(`history entry ${id} not found`);
    ok(c, transferOut(t));
  });

  route(router, ops.retry, retryTransfer(ctx));
}
