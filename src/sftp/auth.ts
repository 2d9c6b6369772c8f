/**
 * Authentication of partners on one server, read from the database on every attempt (edits of
 * accounts, keys and allow-lists apply at once, on every node). Password: scrypt, constant
 * time, and an unknown login costs and answers exactly like a wrong password (decoy hash).
 * Public key: the account's `ssh_public_key` credentials, signature checked.
 */
import { timingSafeEqual } from 'node:crypto';
import type { GatewayContext } from '../gateway/context.js';
import type { LocalAccount, Server } from '../model/entities.js';
import { decoyHash, isPasswordHash } from '../crypto/passwords.js';
import { rehashLater } from '../crypto/rehash.js';
import { VerifiedPasswordCache } from '../crypto/verified-cache.js';
import { ipAllowed } from './ip-allow.js';
import type { AuthContext, ParsedKey, PublicKeyAuthContext } from './ssh2.js';
import { utils } from './ssh2.js';

export type AuthOutcome =
  | { kind: 'accept'; account: LocalAccount }
  /** A public key the client may sign with (no signature yet): answer "key OK". */
  | { kind: 'key-ok' }
  | { kind: 'reject' };

const reject: AuthOutcome = { kind: 'reject' };

/** Process-wide: safe to share, see verified-cache.ts (keyed on the stored hash). */
const verified = new VerifiedPasswordCache();

/** The account's stored password hash, and how to replace it (an upgrade after a login). */
interface StoredPassword {
  readonly hash: string;
  readonly replace: (hash: string) => Promise<boolean>;
}

async function storedPassword(
  ctx: GatewayContext,
  account: LocalAccount,
): Promise<StoredPassword | undefined> {
  const own = account.passwordHash;
  if (own !== null && own !== '') {
    return { hash: own, replace: (h) => ctx.stores.localAccounts.replacePasswordHash(account.id, own, h) };
  }
  const creds = await ctx.stores.credentials.list({ kind: 'localAccount', id: account.id }, 'password');
  const cred = creds.find((c) => isPasswordHash(c.value));
  return (
    cred && { hash: cred.value, replace: (h) => ctx.stores.credentials.replaceValue(cred.id, cred.value, h) }
  );
}

/** Decides one authentication attempt of `ip` on `server`. */
export async function authenticate(
  ctx: GatewayContext,
  server: Server,
  ip: string,
  auth: AuthContext,
): Promise<AuthOutcome> {
  if (auth.method === 'password') {
    const account = await ctx.stores.localAccounts.get(server.id, auth.username);
    const stored = account === undefined ? undefined : await storedPassword(ctx, account);
    // Always one scrypt, whatever the login: timing and answer never tell a login exists.
    const ok = await verified.verify(auth.password, stored?.hash ?? (await decoyHash()));
    if (!ok || stored === undefined || account === undefined) return reject;
    if (!ipAllowed(ip, account.ipAddresses)) return reject;
    rehashLater(auth.password, stored.hash, stored.replace, ctx.log, {
      server: server.name,
      account: account.login,
    });
    return { kind: 'accept', account };
  }
  if (auth.method === 'publickey') return publicKey(ctx, server, ip, auth);
  return reject;
}

async function publicKey(
  ctx: GatewayContext,
  server: Server,
  ip: string,
  auth: PublicKeyAuthContext,
): Promise<AuthOutcome> {
  const account = await ctx.stores.localAccounts.get(server.id, auth.username);
  if (account === undefined || !ipAllowed(ip, account.ipAddresses)) return reject;
  const creds = await ctx.stores.credentials.list({ kind: 'localAccount', id: account.id }, 'ssh_public_key');
  for (const c of creds) {
    const key = firstKey(utils.parseKey(c.value));
    if (key === undefined) continue;
    const blob = key.getPublicSSH();
    if (blob.length !== auth.key.data.length || !timingSafeEqual(blob, auth.key.data)) continue;
    if (auth.signature === undefined || auth.blob === undefined) return { kind: 'key-ok' };
    // ssh2 returns an Error (not false) for some malformed signatures: only `true` accepts.
    const verified = key.verify(auth.blob, auth.signature, auth.hashAlgo) as unknown;
    return verified === true ? { kind: 'accept', account } : reject;
  }
  return reject;
}

/** parseKey gives a key, an Error, or (OpenSSH format) an array of keys. */
function firstKey(parsed: ParsedKey | Error | ParsedKey[]): ParsedKey | undefined {
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key === undefined || key instanceof Error ? undefined : key;
}
