/**
 * `/api/transfers`: list, create, and operator actions. Every action works through any node of
 * a cluster: waiting transfers are changed in the database directly; a RUNNING one gets a
 * requested action that the node running it carries out within a heartbeat.
 */
import { Type } from '@sinclair/typebox';
import type { TransferFilter } from '../../db/stores/transfers.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { Transfer } from '../../model/entities.js';
import { firstApplicable, statusesOf } from '../../model/transfer-lifecycle.js';
import type { TransferStatus } from '../../model/transfer-state.js';
import { liveStatuses } from '../../model/transfer-state.js';
import { readJson } from '../body.js';
import { transferOut } from '../dto/transfers.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiContext, ApiRouter } from '../http.js';
import { accepted, created, location, ok, param } from '../http.js';
import type { Operation } from '../operation.js';
import { created as createdReply, listOf, messageReply, ref, reply, route } from '../operation.js';
import { epochMs, listOptions, listQuery, names, oneOf, repeatable, rfc3339Param } from '../query.js';
import { allStatuses } from '../../model/transfer-state.js';
import { cancelTargets as cancelTargetNames, transferSortKeyNames } from '../../schema/lists.js';
import { planTransfer, resolveParties, selectClient } from '../../transfer/planner.js';
import { bodyOf, parseRfc3339 } from '../validate.js';

export function transferId(c: ApiContext): number {
  const raw = param(c, 'id');
  if (!/^\d{1,15}$/.test(raw)) throw badRequest(`the transfer id must be a positive integer, got "${raw}"`);
  return Number(raw);
}

/** The live row of a transfer; 400 when it is already in history, 404 when unknown. */
async function live(ctx: GatewayContext, id: number): Promise<Transfer> {
  const t = await ctx.stores.transfers.get(id);
  if (t !== undefined) return t;
  const h = await ctx.stores.transfers.getHistory(id);
  if (h !== undefined) throw badRequest(`transfer ${id} is finished (${h.status})`);
  throw notFound(`transfer ${id} not found`);
}

const cancelTargets: Record<(typeof cancelTargetNames)[number], readonly TransferStatus[]> = {
  planned: ['PLANNED'],
  running: ['RUNNING'],
  paused: ['PAUSED'],
  interrupted: ['INTERRUPTED'],
  error: ['ERROR'],
  all: liveStatuses,
};

/** What an operator's pause or cancel does, by status (see the lifecycle table). */
const pauseEvents = ['pauseWaiting', 'requestAction'] as const;
const cancelEvents = ['cancelWaiting', 'requestAction'] as const;

const item = '/api/transfers/:id';
const transfer = { tag: 'transfers', perm: 'transfers:w', errs: [400, 404] } as const;
const action = (name: string, summary: string): Operation => ({
  ...transfer,
  method: 'put',
  path: `${item}/${name}`,
  summary,
  ok: [202, messageReply('Accepted')],
});
/** `PUT …/:id/retry[?date=]` here and under /api/history. */
export const retryOperation = (path: string, tag: string, summary: string, date: string): Operation => ({
  method: 'put',
  path,
  tag,
  summary,
  perm: 'transfers:w',
  query: Type.Object({ date: rfc3339Param(date) }),
  ok: [201, createdReply('Transfer')],
  errs: [400, 404],
});
export const statusFilter = (description: string) =>
  repeatable(oneOf(allStatuses, { upperCase: true }), description);

const ops = {
  list: {
    method: 'get',
    path: '/api/transfers',
    tag: 'transfers',
    summary: 'List transfers (live and finished)',
    perm: 'transfers:r',
    query: listQuery(transferSortKeyNames, {
      status: statusFilter('Only these statuses (repeatable).'),
      rule: names('Only these rules (repeatable).'),
      start: rfc3339Param('Started at or after (RFC 3339).'),
    }),
    ok: [200, reply('One page', listOf('transfers', 'Transfer'))],
    errs: [400],
  },
  create: {
    ...transfer,
    method: 'post',
    path: '/api/transfers',
    summary: 'Plan a client transfer (status PLANNED)',
    body: 'TransferIn',
    ok: [201, createdReply('Transfer')],
  },
  cancelAll: {
    method: 'delete',
    path: '/api/transfers',
    tag: 'transfers',
    summary: 'Cancel every transfer of a status',
    perm: 'transfers:w',
    query: Type.Object({ target: oneOf(cancelTargetNames) }),
    ok: [202, reply('Accepted', ref('CancelAllReply'))],
    errs: [400],
  },
  get: {
    method: 'get',
    path: item,
    tag: 'transfers',
    summary: 'Get a transfer (live or finished)',
    perm: 'transfers:r',
    ok: [200, reply('The transfer', ref('Transfer'))],
    errs: [400, 404],
  },
  pause: action('pause', 'Pause (PLANNED now; RUNNING: by its node within a heartbeat)'),
  resume: action('resume', 'Resume a PAUSED, INTERRUPTED or ERROR client transfer'),
  cancel: action('cancel', 'Cancel (waiting: to history now; RUNNING: by its node)'),
  retry: retryOperation(
    `${item}/retry`,
    'transfers',
    'Plan a new transfer copying this one',
    'When to start (RFC 3339); default now.',
  ),
} satisfies Record<string, Operation>;

export const transferOperations: Operation[] = Object.values(ops);

export function transferRoutes(router: ApiRouter, ctx: GatewayContext): void {
  const { transfers } = ctx.stores;
  const show = async (c: ApiContext, id: number, status: 200 | 201): Promise<void> => {
    const t = await transfers.getNormalized(id);
    if (t === undefined) throw notFound(`transfer ${id} not found`);
    if (status === 201) created(c, location('transfers', id), transferOut(t));
    else ok(c, transferOut(t));
  };

  route(router, ops.list, async (c, q) => {
    const filter: TransferFilter = { status: q.status ?? [], rule: q.rule ?? [] };
    const start = epochMs(q.start);
    if (start !== undefined) filter.startAfter = start;
    const list = await transfers.listNormalized(filter, listOptions(q));
    ok(c, { transfers: list.map(transferOut) });
  });

  route(router, ops.create, async (c) => {
    const body = bodyOf('TransferIn', await readJson(c));
    const parties = await resolveParties(ctx, body);
    const client = await selectClient(ctx, parties.partner.protocol, body.client);
    const t = await planTransfer(ctx, {
      ...parties,
      client,
      file: body.file,
      output: body.output,
      start: body.start === undefined ? ctx.now() : (parseRfc3339(body.start) ?? ctx.now()),
      info: body.transferInfo ?? {},
      nbOfAttempts: body.nbOfAttempts,
      firstRetryDelay: body.firstRetryDelay,
      retryIncrementFactor: body.retryIncrementFactor,
    });
    await show(c, t.id, 201);
  });

  route(router, ops.cancelAll, async (c, q) => {
    const wanted = cancelTargets[q.target];
    let cancelled = 0;
    let requested = 0;
    for (const id of await transfers.idsWithStatus([...wanted])) {
      // Waiting rows go to history now; a running one is cancelled by its node.
      if (await transfers.cancelWaiting(id, ctx.now())) cancelled++;
      else if (await transfers.requestAction(id, 'cancel')) requested++;
    }
    c.status = 202;
    c.body = {
      message: `transfers cancelled: ${cancelled}; cancellation requested from running nodes: ${requested}`,
      cancelled,
      requested,
    };
  });

  route(router, ops.get, async (c) => {
    await show(c, transferId(c), 200);
  });

  route(router, ops.pause, async (c) => {
    const id = transferId(c);
    // Two tries: the row may change status (be claimed, end) between the read and the write.
    for (let attempt = 0; attempt < 2; attempt++) {
      const t = await live(ctx, id);
      const event = firstApplicable(pauseEvents, t.status);
      if (event === undefined) {
        throw badRequest(
          `cannot pause transfer ${id}: it is ${t.status} (only ${statusesOf(pauseEvents)} ones can be)`,
        );
      }
      if (event === 'pauseWaiting' && (await transfers.pauseWaiting(id))) {
        return accepted(c, `transfer ${id} paused`, location('transfers', id));
      }
      if (event === 'requestAction' && (await transfers.requestAction(id, 'pause'))) {
        return accepted(
          c,
          `pause of transfer ${id} requested from node ${t.node ?? '?'}`,
          location('transfers', id),
        );
      }
    }
    throw badRequest(`cannot pause transfer ${id}: its status keeps changing, try again`);
  });

  route(router, ops.resume, async (c) => {
    const id = transferId(c);
    if (await transfers.resume(id, ctx.now())) {
      return accepted(c, `transfer ${id} resumed`, location('transfers', id));
    }
    const t = await live(ctx, id);
    if (t.remoteAccountId === null) throw badRequest(`cannot resume transfer ${id}: it is a server transfer`);
    throw badRequest(
      `cannot resume transfer ${id}: it is ${t.status} (only ${statusesOf(['resume'])} ones can be)`,
    );
  });

  route(router, ops.cancel, async (c) => {
    const id = transferId(c);
    for (let attempt = 0; attempt < 2; attempt++) {
      const t = await live(ctx, id);
      if (firstApplicable(cancelEvents, t.status) === 'requestAction') {
        if (await transfers.requestAction(id, 'cancel')) {
          return accepted(
            c,
            `cancellation of transfer ${id} requested from node ${t.node ?? '?'}`,
            location('transfers', id),
          );
        }
      } else if (await transfers.cancelWaiting(id, ctx.now())) {
        return accepted(c, `transfer ${id} cancelled`, location('history', id));
      }
    }
    throw badRequest(`cannot cancel transfer ${id}: its status keeps changing, try again`);
  });

  route(router, ops.retry, retryTransfer(ctx));
}

/** `PUT …/:id/retry[?date=]`: a NEW planned transfer copying a finished or live one (201). */
export function retryTransfer(ctx: GatewayContext): (c: ApiContext, q: { date?: string }) => Promise<void> {
  const { transfers } = ctx.stores;
  return async (c, q) => {
    const id = transferId(c);
    const old = await transfers.getNormalized(id);
    if (old === undefined) throw notFound(`transfer ${id} not found`);
    if (old.isServer) {
      throw badRequest(`cannot retry transfer ${id}: server transfers are started by the partner`);
    }
    const parties = await resolveParties(ctx, {
      rule: old.rule,
      isSend: old.isSend,
      partner: old.agent,
      account: old.account,
    });
    const client = await selectClient(ctx, parties.partner.protocol, old.client);
    const t = await planTransfer(ctx, {
      ...parties,
      client,
      file: old.srcFilename,
      output: old.destFilename,
      start: epochMs(q.date) ?? ctx.now(),
      info: old.info,
    });
    const out = await transfers.getNormalized(t.id);
    if (out === undefined) throw notFound(`transfer ${t.id} not found`);
    created(c, location('transfers', t.id), transferOut(out));
  };
}
