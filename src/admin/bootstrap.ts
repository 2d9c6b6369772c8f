/**
 * The first user. On a database whose gateway has no user yet, creates `admin` with every
 * permission: its password comes from WAARP_GATEWAY_ADMIN_PASSWORD (or the file named by
 * WAARP_GATEWAY_ADMIN_PASSWORD_FILE), or is random and written
 * once to `<GatewayHome>/admin-password` (mode 0600). There is never a fixed default.
 * Several nodes starting at once on one database create exactly one admin: the UNIQUE
 * (owner, username) constraint decides, and the losers do nothing.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvOrFile } from '../config/env-file.js';
import { ConfigError } from '../config/errors.js';
import { adminPasswordFileName } from '../config/gateway-files.js';
import { hashPassword } from '../crypto/passwords.js';
import { UniqueViolationError } from '../db/sql.js';
import type { GatewayContext } from '../gateway/context.js';
import { allPermissions } from '../model/permissions.js';

export const adminPasswordEnv = 'WAARP_GATEWAY_ADMIN_PASSWORD';
export { adminPasswordFileName };

export interface AdminBootstrap {
  /** True when this call created the user (false: users existed, or another node won). */
  created: boolean;
  /** Where the random password was written, when this call created one. */
  passwordFile?: string;
}

export async function ensureAdminUser(
  ctx: GatewayContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminBootstrap> {
  const { users } = ctx.stores;
  if ((await users.count()) > 0) return { created: false };

  const given = readEnvOrFile(env, adminPasswordEnv);
  if (given !== undefined && 'error' in given)
    throw new ConfigError([{ file: 'environment', variable: given.variable, message: given.error }]);
  const fromEnv = given?.value;
  const password = fromEnv !== undefined && fromEnv !== '' ? fromEnv : randomBytes(18).toString('base64url');
  const random = password !== fromEnv;
  const file = join(ctx.config.paths.gatewayHome, adminPasswordFileName);
  // The file is written before the user exists (under a temporary name), so a created admin
  // always has its password on disk; it takes its final name only if this node won.
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  if (random) {
    mkdirSync(ctx.config.paths.gatewayHome, { recursive: true });
    writeFileSync(tmp, password + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
  }
  try {
    await users.create({
      username: 'admin',
      passwordHash: await hashPassword(password),
      permissions: allPermissions,
    });
  } catch (err) {
    if (random) rmSync(tmp, { force: true });
    if (err instanceof UniqueViolationError) return { created: false };
    throw err;
  }
  if (!random) {
    ctx.log.info(
      { user: 'admin' },
      `created the first user "admin" with the password from ${given?.variable ?? adminPasswordEnv}`,
    );
    return { created: true };
  }
  renameSync(tmp, file);
  ctx.log.warn(
    { user: 'admin', passwordFile: file, node: ctx.nodeName },
    `created the first user "admin" with a random password: read it from ${file} (on node ${ctx.nodeName}), then change it`,
  );
  return { created: true, passwordFile: file };
}
