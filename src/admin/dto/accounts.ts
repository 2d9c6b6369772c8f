/** Local and remote accounts: JSON ↔ entity. Passwords come in, never go out. */
import type { LocalAccountOut, RemoteAccountOut } from '../api-types.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { LocalAccount, RemoteAccount } from '../../model/entities.js';
import { is } from '../validate.js';
import { authorizedRules, credentialNames } from './common.js';

const password = is.string({ nonEmpty: true, max: 1024 });

export const localAccountShape = {
  login: is.name(),
  password,
  ipAddresses: is.arrayOf(is.ipOrCidr(), { max: 256 }),
};

export const remoteAccountShape = {
  login: is.name(),
  password,
};

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
  const target = { kind: 'remoteAccount', id: a.id } as const;
  return {
    login: a.login,
    credentials: await credentialNames(ctx, target),
    authorizedRules: await authorizedRules(ctx, target),
  };
}
