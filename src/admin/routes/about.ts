/**
 * `GET /api/about` and the deprecated `GET /api/status`: this node's services. Servers and
 * clients are listed from the database (every node sees the same list), with this node's
 * state of each when its service reported one.
 */
import type { AboutOut, ServiceOut } from '../../schema/status.js';
import type { GatewayContext, ServiceStatus } from '../../gateway/context.js';
import type { ApiRouter } from '../http.js';
import { ok } from '../http.js';
import type { Operation } from '../operation.js';
import { ref, reply, route } from '../operation.js';

async function services(
  ctx: GatewayContext,
): Promise<Pick<AboutOut, 'coreServices' | 'servers' | 'clients'>> {
  const reported = new Map<string, ServiceStatus>(ctx.services.list().map((s) => [s.name, s]));
  const servers = await ctx.stores.servers.all();
  const clients = await ctx.stores.clients.list({ limit: 10_000 });
  const agentNames = new Set([...servers.map((s) => s.name), ...clients.map((c) => c.name)]);
  const state = (name: string, enabled: boolean): ServiceOut => {
    const r = reported.get(name);
    if (r !== undefined) return { name, state: r.state, reason: r.reason };
    return { name, state: 'Offline', reason: enabled ? 'not running on this node' : 'disabled' };
  };
  return {
    coreServices: ctx.services
      .list()
      .filter((s) => !agentNames.has(s.name))
      .map((s) => ({ name: s.name, state: s.state, reason: s.reason })),
    servers: servers.map((s) => state(s.name, s.enabled)),
    clients: clients.map((c) => state(c.name, c.enabled)),
  };
}

const ops = {
  about: {
    method: 'get',
    path: '/api/about',
    tag: 'status',
    summary: 'This node and its services',
    ok: [200, reply('About', ref('About'))],
    errs: [400],
  },
  status: {
    method: 'get',
    path: '/api/status',
    tag: 'status',
    summary: 'Deprecated: services as a map',
    ok: [200, reply('Status', ref('StatusMap'))],
    errs: [400],
  },
} satisfies Record<string, Operation>;

export const aboutOperations: Operation[] = Object.values(ops);

export function aboutRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.about, async (c) => {
    const about: AboutOut = {
      serverName: `waarp-gatewayd/${ctx.version}`,
      version: ctx.version,
      nodeName: ctx.nodeName,
      gatewayName: ctx.config.global.gatewayName,
      ...(await services(ctx)),
    };
    ok(c, about);
  });

  // The reference's deprecated shape: {"<service>": {"state": …, "reason": …}}.
  route(router, ops.status, async (c) => {
    const all = await services(ctx);
    const map: Record<string, { state: string; reason: string }> = {};
    for (const s of [...all.coreServices, ...all.servers, ...all.clients]) {
      map[s.name] = { state: s.state, reason: s.reason };
    }
    ok(c, map);
  });
}
