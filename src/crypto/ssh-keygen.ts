/**
 * ed25519 key pairs in OpenSSH formats, made with node:crypto.
 *
 * Why not ssh2's `utils.generateKeyPairSync('ed25519')`: about one key in a thousand it drops a
 * leading zero byte of the 32-byte public key, and the result is a key that neither ssh2 nor
 * OpenSSH can load ("Malformed OpenSSH private key", "error in libcrypto"). A gateway whose
 * generated host key is one of those could never serve SFTP.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted. */
  readonly private: string;
  /** `ssh-ed25519 AAAA… comment`. */
  readonly public: string;
}

const keyType = 'ssh-ed25519';
// DER prefixes of an ed25519 key (RFC 8410): PKCS#8 of a seed, SubjectPublicKeyInfo of a key.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/** A new ed25519 key pair: its private key is 32 random bytes (RFC 8032's seed). */
export function generateEd25519KeyPair(comment = ''): SshKeyPair {
  return ed25519KeyPairFromSeed(randomBytes(32), comment);
}

/**
 * The pair whose private key is derived from a 32-byte seed. DER in and out, never JWK: Node 20
 * can deadlock exporting an ed25519 key as JWK when a collection runs inside the export (seen in
 * this project's tests: `ExportJWKEdKey` → GC → `~KeyGenJob` waits for the key's own mutex).
 */
export function ed25519KeyPairFromSeed(seed: Buffer, comment = ''): SshKeyPair {
  if (seed.length !== 32) throw new Error(`an ed25519 seed has 32 bytes, not ${seed.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([pkcs8Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (spki.length !== spkiPrefix.length + 32 || !spki.subarray(0, spkiPrefix.length).equals(spkiPrefix))
    throw new Error('unexpected ed25519 public key encoding');
  const publicKey = spki.subarray(spkiPrefix.length);
  const publicBlob = Buffer.concat([sshString(keyType), sshString(publicKey)]);
  const publicLine = `${keyType} ${publicBlob.toString('base64')}`;
  return {
    private: pemOpenSsh(privateKeyFile(publicBlob, publicKey, seed, comment)),
    public: comment === '' ? publicLine : `${publicLine} ${comment}`,
  };
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
