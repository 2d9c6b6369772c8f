/**
 * The password policy of passwords the gateway checks (API users, local accounts): at least
 * `[security] MinPasswordLength` characters. Partner passwords we present (remote accounts) are
 * the partner's choice and are not held to it.
 */
import type { GatewayConfig } from '../config/types.js';
import { hashPassword } from '../crypto/passwords.js';
import { badRequest } from './errors.js';

/** The stored hash of a new password; 400 naming `field` when it is too short. */
export async function newPasswordHash(
  ctx: { readonly config: Pick<GatewayConfig, 'security'> },
  password: string,
  field: string,
): Promise<string> {
  const min = ctx.config.security.minPasswordLength;
  // Characters as a person counts them (code points), not UTF-16 units.
  if ([...password].length < min) {
    throw badRequest(
      `field "${field}" must be at least ${min} characters long ([security] MinPasswordLength)`,
    );
  }
  return hashPassword(password);
}

/** The hash after a change: `password`'s when one is given, else the `old` one. */
export async function changedPasswordHash<T extends string | null>(
  ctx: { readonly config: Pick<GatewayConfig, 'security'> },
  password: string | undefined,
  old: T,
): Promise<string | T> {
  return password === undefined ? old : newPasswordHash(ctx, password, 'password');
}
