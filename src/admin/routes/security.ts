/**
 * `GET /api/bans`, `DELETE /api/bans/{address}[?protocol=sftp|rest]`: the addresses banned after
 * too many failed logins, per protocol. Bans live in the database, so listing or lifting one
 * through any node acts on all.
 */
import type { LoginProtocol } from '../../db/stores/bans.js';
import { loginProtocols } from '../../db/stores/bans.js';
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { rfc3339 } from '../dto/common.js';
import { ApiError, badRequest } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { noContent, ok, param } from '../http.js';
import { checkParams, one } from '../paging.js';
import { canonicalIp } from '../../util/ip.js';

export function securityRoutes(router: ApiRouter, ctx: GatewayContext): void {
  router.get('/api/bans', need('administration', 'r'), async (c) => {
    checkParams(c.query, [], false);
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

  router.delete('/api/bans/:address', need('administration', 'd'), async (c) => {
    checkParams(c.query, ['protocol'], false);
    // Bans are keyed by the address as the node wrote it: `2001:DB8:0::1` finds `2001:db8::1`.
    const address = canonicalIp(param(c, 'address'));
    const protocol = one(c.query, 'protocol');
    if (protocol !== undefined && !(loginProtocols as readonly string[]).includes(protocol)) {
      throw badRequest(
        `query parameter "protocol" must be one of ${loginProtocols.join(', ')}, got "${protocol}"`,
      );
    }
    const lifted = await ctx.stores.bans.removeBan(address, protocol as LoginProtocol | undefined);
    if (lifted === 0) {
      const on = protocol === undefined ? '' : ` on ${protocol}`;
      throw new ApiError('E_NOT_FOUND', `no failed logins recorded for ${address}${on}`);
    }
    ctx.log.info({ address, protocol: protocol ?? 'all', by: c.state.user.username }, 'ban lifted');
    noContent(c);
  });
}
