/** Local and remote accounts: JSON ↔ entity. Passwords come in, never go out. */
import type { GatewayContext } from '../../gateway/context.js';
import type { LocalAccount, RemoteAccount } from '../../model/entities.js';
import type { LocalAccountOut, RemoteAccountOut } from '../../schema/agents.js';
import { accessOut, authorizedRules, credentialNames } from './common.js';

/** The internal password of a local account is its `passwordHash`, listed as credential "password". */
export const localPasswordName = 'password';

export async function localAccountOut(ctx: GatewayContext, a: LocalAccount): Promise<LocalAccountOut> {
  const target = { kind: 'localAccount', id: a.id } as const;
  const names = await credentialNames(ctx, target);
  if (a.passwordHash !== null && !names.includes(localPasswordName)) names.unshift(localPasswordName);
  return {
    login: a.login,
    ipAddresses: a.ipAddresses,
    credentials: names,
    authorizedRules: await authorizedRules(ctx, target),
  };
}

export async function remoteAccountOut(ctx: GatewayContext, a: RemoteAccount): Promise<RemoteAccountOut> {
  return { login: a.login, ...(await accessOut(ctx, { kind: 'remoteAccount', id: a.id })) };
}
