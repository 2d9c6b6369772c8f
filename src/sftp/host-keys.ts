/**
 * Host keys of a listener: the server's `ssh_private_key` credentials (AES-GCM encrypted, several
 * allowed), else one ed25519 key generated once for the whole gateway and kept encrypted in the
 * shared settings, so every node of a cluster presents the same host key behind the balancer.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import { checkPrivateKey } from '../crypto/ssh-keys.js';
import { generateEd25519KeyPair } from '../crypto/ssh-keygen.js';
import type { Stores } from '../db/stores/index.js';
import type { Logger } from '../log.js';
import type { Server } from '../model/entities.js';
import { utils } from './ssh2.js';

/** What host keys are made from: the stored keys, the AES box, a log for the keys skipped. */
export interface HostKeySources {
  readonly stores: Pick<Stores, 'credentials' | 'settings'>;
  readonly secrets: SecretBox;
  readonly log: Logger;
}

export const gatewayHostKeySetting = 'sftp.hostKey.ed25519';

/** Private keys (OpenSSH or PEM text) the listener of `server` presents. */
export async function loadHostKeys(ctx: HostKeySources, server: Server): Promise<string[]> {
  const creds = await ctx.stores.credentials.list({ kind: 'server', id: server.id }, 'ssh_private_key');
  const keys: string[] = [];
  for (const c of creds) {
    let key: string;
    try {
      key = ctx.secrets.decrypt(c.value);
    } catch (err) {
      ctx.log.error({ err, server: server.name, credential: c.name }, 'cannot decrypt a host key: skipped');
      continue;
    }
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error || (Array.isArray(parsed) && parsed.length === 0)) {
      ctx.log.error({ server: server.name, credential: c.name }, 'host key is not a private key: skipped');
      continue;
    }
    keys.push(key);
  }
  if (keys.length > 0) return keys;
  return [await gatewayHostKey(ctx)];
}

/**
 * The gateway-wide generated host key (created by the first node that needs it). A stored key
 * that cannot be loaded (ssh2's generator, used before 2026-12, made one in a thousand) never
 * served SFTP, so it is replaced rather than kept: no partner can have it in its known_hosts.
 */
export async function gatewayHostKey(ctx: HostKeySources): Promise<string> {
  const make = (): string => ctx.secrets.encrypt(generateEd25519KeyPair().private);
  const stored = await ctx.stores.settings.getOrCreate(gatewayHostKeySetting, make);
  const key = ctx.secrets.decrypt(stored);
  if (!('error' in checkPrivateKey(key))) return key;
  ctx.log.warn(
    { setting: gatewayHostKeySetting },
    'the generated host key cannot be loaded: replaced by a new one',
  );
  return ctx.secrets.decrypt(await ctx.stores.settings.replace(gatewayHostKeySetting, stored, make()));
}
