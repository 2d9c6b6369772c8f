/**
 * ed25519 key pairs in OpenSSH formats, made with node:crypto.
 *
 * Why not ssh2's `utils.generateKeyPairSync('ed25519')`: about one key in a thousand it drops a
 * leading zero byte of the 32-byte public key, and the result is a key that neither ssh2 nor
 * OpenSSH can load ("Malformed OpenSSH private key", "error in libcrypto"). A gateway whose
 * generated host key is one of those could never serve SFTP.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted. */
  readonly private: string;
  /** `ssh-ed25519 AAAA… comment`. */
  readonly public: string;
}

const keyType = 'ssh-ed25519';

/** A new ed25519 key pair. */
export function generateEd25519KeyPair(comment = ''): SshKeyPair {
  return ed25519KeyPair(generateKeyPairSync('ed25519').privateKey, comment);
}

/** The pair whose private key is derived from a 32-byte seed (RFC 8032), e.g. in tests. */
export function ed25519KeyPairFromSeed(seed: Buffer, comment = ''): SshKeyPair {
  if (seed.length !== 32) throw new Error(`an ed25519 seed has 32 bytes, not ${seed.length}`);
  // PKCS#8 wrapping of a raw ed25519 seed: SEQUENCE { version 0, AlgorithmIdentifier 1.3.101.112, OCTET STRING { OCTET STRING seed } }.
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return ed25519KeyPair(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), comment);
}

function ed25519KeyPair(privateKey: KeyObject, comment: string): SshKeyPair {
  const seed = jwkBytes(privateKey, 'd');
  const publicKey = jwkBytes(createPublicKey(privateKey), 'x');
  const publicBlob = Buffer.concat([sshString(keyType), sshString(publicKey)]);
  const publicLine = `${keyType} ${publicBlob.toString('base64')}`;
  return {
    private: pemOpenSsh(privateKeyFile(publicBlob, publicKey, seed, comment)),
    public: comment === '' ? publicLine : `${publicLine} ${comment}`,
  };
}

/** A JWK field as its fixed 32 bytes: base64url keeps leading zeros, unlike a big number. */
function jwkBytes(key: KeyObject, field: 'd' | 'x'): Buffer {
  const value = (key.export({ format: 'jwk' }) as Record<string, string | undefined>)[field];
  const bytes = Buffer.from(value ?? '', 'base64url');
  if (bytes.length !== 32) throw new Error(`ed25519 key field ${field} has ${bytes.length} bytes, not 32`);
  return bytes;
}

/** The "openssh-key-v1" container (OpenSSH's PROTOCOL.key), one key, no cipher. */
function privateKeyFile(publicBlob: Buffer, publicKey: Buffer, seed: Buffer, comment: string): Buffer {
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    sshString(keyType),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  // Unencrypted keys are padded to the 8-byte block with the bytes 1, 2, 3…
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  return Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([secret, padding])),
  ]);
}

function pemOpenSsh(body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join(
    '\n',
  );
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
