/**
 * Unauthenticated probes for load balancers and orchestrators. `/readyz` is 503 while the
 * node starts, drains, cannot reach the database within a second, has a clock beyond
 * `[cluster] MaxClockSkew` or lost the shared volume, so HAProxy stops sending it work.
 *
 * `/lbz` is the load balancer's check: the same facts, but a draining node answers 404, which
 * HAProxy's `http-check disable-on-404` turns into NOLB: no new sessions, and the transfers in
 * flight keep going until they end (a 503 would mark the node DOWN and, with
 * `on-marked-down shutdown-sessions`, cut them).
 */
import type { GatewayContext } from '../../gateway/context.js';
import type { ApiRouter } from '../http.js';
import type { Operation } from '../operation.js';
import { ref, reply, route } from '../operation.js';

const pingTimeoutMs = 1000;

async function pingWithin(ctx: GatewayContext, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the database did not answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      ctx.stores.db.ping().then(
        () => undefined,
        (err: unknown) => `the database is unreachable: ${(err as Error).message}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const probe = { method: 'get', tag: 'health', public: true } as const;

const ops = {
  live: { ...probe, path: '/healthz', summary: 'Liveness', ok: [200, reply('Alive', ref('Health'))] },
  ready: {
    ...probe,
    path: '/readyz',
    summary: 'Readiness: started, not draining, database answers within 1 s',
    ok: [200, reply('Ready', ref('Readiness'))],
    replies: { 503: reply('Not ready: the reasons', ref('Readiness')) },
  },
  lb: {
    ...probe,
    path: '/lbz',
    summary: "The load balancer's check: 200 ready, 404 draining (keep sessions, send no new ones), 503 down",
    ok: [200, reply('Ready', ref('Readiness'))],
    replies: {
      404: reply('Draining', ref('Readiness')),
      503: reply('Down: the reasons', ref('Readiness')),
    },
  },
} satisfies Record<string, Operation>;

export const healthOperations: Operation[] = Object.values(ops);

export function healthRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.live, (c) => {
    c.body = { status: 'ok', node: ctx.nodeName };
  });

  route(router, ops.ready, async (c) => {
    const reasons = await notReadyReasons(ctx);
    c.set('Cache-Control', 'no-store');
    if (reasons.length > 0) {
      c.status = 503;
      c.body = { status: 'unavailable', node: ctx.nodeName, reasons };
    } else {
      c.body = { status: 'ready', node: ctx.nodeName };
    }
  });

  route(router, ops.lb, async (c) => {
    const reasons = await notReadyReasons(ctx);
    c.set('Cache-Control', 'no-store');
    if (reasons.length === 0) {
      c.body = { status: 'ready', node: ctx.nodeName };
    } else if (ctx.health.draining) {
      c.status = 404;
      c.body = { status: 'draining', node: ctx.nodeName, reasons };
    } else {
      c.status = 503;
      c.body = { status: 'unavailable', node: ctx.nodeName, reasons };
    }
  });
}

async function notReadyReasons(ctx: GatewayContext): Promise<string[]> {
  const h = ctx.health;
  const reasons: string[] = [];
  if (h.draining) reasons.push('the node is draining (shutting down)');
  if (!h.started) reasons.push('the node is starting');
  if (!h.databaseUp) reasons.push('the last database access failed');
  if (h.clockProblem !== undefined) reasons.push(h.clockProblem);
  if (h.volumeProblem !== undefined) reasons.push(h.volumeProblem);
  if (reasons.length === 0) {
    const failed = await pingWithin(ctx, pingTimeoutMs);
    if (failed !== undefined) reasons.push(failed);
  }
  return reasons;
}
