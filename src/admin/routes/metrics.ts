/** `GET /metrics`: this node's metrics in the Prometheus text format (Basic auth, as /api). */
import { renderMetrics } from '../../cluster/metrics.js';
import { sqlStatements } from '../../db/sql.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { ApiRouter } from '../http.js';
import type { Operation } from '../operation.js';
import { route } from '../operation.js';

const ops = {
  metrics: {
    method: 'get',
    path: '/metrics',
    tag: 'cluster',
    summary:
      "This node's metrics, Prometheus text format (transfers, bytes, sessions, heartbeat, clock offset)",
    perm: 'administration:r',
    ok: [200, { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }],
  },
} satisfies Record<string, Operation>;

export const metricsOperations: Operation[] = Object.values(ops);

export function metricsRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.metrics, async (c) => {
    // Counted before this scrape's own statements, so that two scrapes around some work differ by its cost.
    const dbStatements = sqlStatements.count;
    const started = performance.now();
    try {
      await ctx.stores.db.ping();
      ctx.metrics.dbLatencyMs = performance.now() - started;
    } catch {
      ctx.metrics.dbLatencyMs = -1;
    }
    const transfersByStatus = ctx.metrics.dbLatencyMs < 0 ? {} : await ctx.stores.transfers.countByStatus();
    c.type = 'text/plain; version=0.0.4';
    c.body = renderMetrics(ctx.metrics, {
      node: ctx.nodeName,
      transfersByStatus,
      dbStatements,
      runningHere: { server: ctx.running.count('server'), client: ctx.running.count('client') },
      now: ctx.now(),
    });
  });
}
