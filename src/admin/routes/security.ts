/**
 * `GET /api/bans`, `DELETE /api/bans/{address}`: the addresses banned after too many failed
 * logins. Bans live in the database, so listing or lifting one through any node acts on all.
 */
import type { GatewayContext } from '../../gateway/context.js';
import { need } from '../auth.js';
import { rfc3339 } from '../dto/common.js';
import { ApiError } from '../errors.js';
import type { ApiRouter } from '../http.js';
import { noContent, ok, param } from '../http.js';
import { checkParams } from '../paging.js';

export function securityRoutes(router: ApiRouter, ctx: GatewayContext): void {
  router.get('/api/bans', need('administration', 'r'), async (c) => {
    checkParams(c.query, [], false);
    const bans = await ctx.stores.bans.listBans(ctx.now());
    ok(c, {
      bans: bans.map((b) => ({
        address: b.source,
        failures: b.failures,
        bannedUntil: rfc3339(b.bannedUntil ?? 0),
        lastProtocol: b.lastProtocol,
      })),
    });
  });

  router.delete('/api/bans/:address', need('administration', 'd'), async (c) => {
    const address = param(c, 'address');
    if (!(await ctx.stores.bans.removeBan(address))) {
      throw new ApiError('E_NOT_FOUND', `no failed logins recorded for ${address}`);
    }
    ctx.log.info({ address, by: c.state.user.username }, 'ban lifted');
    noContent(c);
  });
}
