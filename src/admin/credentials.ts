/**
 * Credentials as the reference (§1.7), for the SFTP-only gateway: which types each owner may
 * hold, and how each value is stored. Internal passwords are scrypt hashes (a local account's
 * lives in the account row), external secrets are AES-GCM ciphertext, public keys are kept in
 * OpenSSH form. Secrets never come back out: a private key shows its public half.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import type { AccessTarget, Credential, CredentialType } from '../model/entities.js';
import { badRequest } from './errors.js';
import { checkPrivateKey, normalizePublicKey } from '../crypto/ssh-keys.js';
import type { CredentialOut } from '../schema/credentials.js';

const ownerLabel: Record<AccessTarget['kind'], string> = {
  server: 'a server',
  partner: 'a partner',
  localAccount: 'a local account',
  remoteAccount: 'a remote account',
};

/** What each owner may hold: host keys on servers, pinned host keys on partners, … */
export const allowedTypes: Record<AccessTarget['kind'], CredentialType[]> = {
  server: ['ssh_private_key'],
  partner: ['ssh_public_key'],
  localAccount: ['password', 'ssh_public_key'],
  remoteAccount: ['password', 'ssh_private_key'],
};

export function checkType(kind: AccessTarget['kind'], type: string): CredentialType {
  const allowed = allowedTypes[kind];
  if (!(allowed as string[]).includes(type)) {
    throw badRequest(
      `field "type": "${type}" is not a credential type for ${ownerLabel[kind]} (allowed: ${allowed.join(', ')})`,
    );
  }
  return type as CredentialType;
}

/** The stored form of a credential value (not for a local account's password: see routes). */
export function encodeValue(
  ctx: { readonly secrets: SecretBox },
  type: CredentialType,
  value: string,
): string {
  switch (type) {
    case 'ssh_public_key': {
      const res = normalizePublicKey(value);
      if ('error' in res) throw badRequest(`field "value": ${res.error}`);
      return res.key;
    }
    case 'ssh_private_key': {
      const res = checkPrivateKey(value);
      if ('error' in res) throw badRequest(`field "value": ${res.error}`);
      return ctx.secrets.encrypt(value);
    }
    case 'password':
      return ctx.secrets.encrypt(value);
    case 'tls_certificate':
    case 'trusted_tls_certificate':
      throw badRequest(`field "type": TLS credentials are not supported by this gateway`);
  }
}

/** The API view of a stored credential: no secret, only public material. */
export function credentialOut(ctx: { readonly secrets: SecretBox }, c: Credential): CredentialOut {
  const out: CredentialOut = { name: c.name, type: c.type };
  if (c.type === 'ssh_public_key') out.value = c.value;
  if (c.type === 'ssh_private_key') {
    try {
      const res = checkPrivateKey(ctx.secrets.decrypt(c.value));
      if ('publicKey' in res) out.value = res.publicKey;
    } catch {
      // Undecryptable (another AES key file): show the credential without its public half.
    }
  }
  return out;
}
