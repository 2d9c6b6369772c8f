/** `GET /api/cluster/nodes`: every node of this gateway, from the shared nodes table. */
import type { NodeOut } from '../../schema/status.js';
import type { GatewayContext } from '../../gateway/context.js';
import { rfc3339 } from '../dto/common.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import type { Operation } from '../operation.js';
import { listOf, reply, route } from '../operation.js';

const ops = {
  nodes: {
    method: 'get',
    path: '/api/cluster/nodes',
    tag: 'cluster',
    summary: 'Every node of the gateway (from the shared database)',
    perm: 'administration:r',
    ok: [200, reply('Nodes', listOf('nodes', 'Node'))],
    errs: [400],
  },
} satisfies Record<string, Operation>;

export const clusterOperations: Operation[] = Object.values(ops);

export function clusterRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.nodes, async (c) => {
    const nodes: NodeOut[] = [];
    for (const n of await ctx.stores.nodes.list()) {
      nodes.push({
        name: n.name,
        state: n.state,
        // Silence measured on the database's clock: a node's own clock does not make it look dead.
        alive: n.state !== 'stopped' && n.silentMs < ctx.config.cluster.nodeTimeoutMs,
        lastHeartbeat: rfc3339(n.heartbeatAt),
        startedAt: rfc3339(n.startedAt),
        version: n.version,
        host: n.host,
        adminAddress: n.adminAddress,
        runningTransfers: await ctx.stores.transfers.countRunningOn(n.name),
        clockOffsetMs: n.clockOffsetMs,
      });
    }
    ok(c, { nodes });
  });
}
