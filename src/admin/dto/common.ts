/** Parts of API outputs shared by servers, partners and accounts. */
import type { AuthorizedRulesOut as AuthorizedRules } from '../../schema/agents.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { AccessTarget } from '../../model/entities.js';

/** Rules on which the target is explicitly listed, by direction. */
export async function authorizedRules(ctx: GatewayContext, target: AccessTarget): Promise<AuthorizedRules> {
  const rules = await ctx.stores.rules.rulesAuthorizing(target);
  return {
    sending: rules.filter((r) => r.isSend).map((r) => r.name),
    reception: rules.filter((r) => !r.isSend).map((r) => r.name),
  };
}

/** Names of the target's stored credentials. */
export async function credentialNames(ctx: GatewayContext, target: AccessTarget): Promise<string[]> {
  return (await ctx.stores.credentials.list(target)).map((c) => c.name);
}

/** What every owner's output ends with: its credentials' names and the rules it may use. */
export async function accessOut(
  ctx: GatewayContext,
  target: AccessTarget,
): Promise<{ credentials: string[]; authorizedRules: AuthorizedRules }> {
  return {
    credentials: await credentialNames(ctx, target),
    authorizedRules: await authorizedRules(ctx, target),
  };
}

/** Epoch ms → RFC 3339 (UTC). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
