/**
 * `GET /api/bans`, `DELETE /api/bans/{address}[?protocol=sftp|rest]`: the addresses banned after
 * too many failed logins, per protocol. Bans live in the database, so listing or lifting one
 * through any node acts on all.
 */
import { Type } from '@sinclair/typebox';
import type { GatewayContext } from '../../gateway/context.js';
import { rfc3339 } from '../dto/common.js';
import { ApiError } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { noContent, ok, param } from '../http.js';
import type { Operation } from '../operation.js';
import { listOf, reply, route } from '../operation.js';
import { banProtocols } from '../../schema/lists.js';
import { oneOf } from '../query.js';
import { canonicalIp } from '../../util/ip.js';

const ops = {
  bans: {
    method: 'get',
    path: '/api/bans',
    tag: 'cluster',
    summary: 'Addresses banned after too many failed logins, per protocol (on every node)',
    perm: 'administration:r',
    ok: [200, reply('Bans', listOf('bans', 'Ban'))],
    errs: [400],
  },
  lift: {
    method: 'delete',
    path: '/api/bans/:address',
    tag: 'cluster',
    summary: 'Lift the bans of an address (and forget its failures) on every node',
    perm: 'administration:d',
    query: Type.Object({
      protocol: Type.Optional(
        oneOf(banProtocols, { description: 'Only the ban on this protocol (default: both).' }),
      ),
    }),
    ok: [204, reply('Lifted')],
    errs: [400, 404],
  },
} satisfies Record<string, Operation>;

export const securityOperations: Operation[] = Object.values(ops);

export function securityRoutes(router: ApiRouter, ctx: GatewayContext): void {
  route(router, ops.bans, async (c) => {
    const bans = await ctx.stores.bans.listBans(ctx.now());
    ok(c, {
      bans: bans.map((b) => ({
        address: b.source,
        protocol: b.protocol,
        failures: b.failures,
        bannedUntil: rfc3339(b.bannedUntil ?? 0),
      })),
    });
  });

  route(router, ops.lift, async (c, q) => {
    // Bans are keyed by the address as the node wrote it: `2001:DB8:0::1` finds `2001:db8::1`.
    const address = canonicalIp(param(c, 'address'));
    const protocol = q.protocol;
    const lifted = await ctx.stores.bans.removeBan(address, protocol);
    if (lifted === 0) {
      const on = protocol === undefined ? '' : ` on ${protocol}`;
      throw new ApiError('E_NOT_FOUND', `no failed logins recorded for ${address}${on}`);
    }
    ctx.log.info({ address, protocol: protocol ?? 'all', by: c.state.user.username }, 'ban lifted');
    noContent(c);
  });
}
