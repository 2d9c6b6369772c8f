/**
 * Transport algorithms of a listener. Modern only by default (no SHA-1 key exchange, no CBC,
 * no hmac-sha1, no ssh-rsa SHA-1 signatures, unlike the reference); a server's `protoConfig`
 * may list `keyExchanges`, `ciphers` and `macs` to change that, checked against what ssh2 knows.
 */
import { modernCiphers, modernKeyExchanges, modernMacs } from '../crypto/ssh-algorithms.js';
import type { ServerConfig } from './ssh2.js';
import { supportedAlgorithms } from './ssh2.js';

/** Host key signature algorithms: RSA keys sign with SHA-2 only. */
export const defaultHostKeyAlgorithms = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

export class AlgorithmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlgorithmConfigError';
  }
}

function listFrom(
  config: Record<string, unknown>,
  key: string,
  fallback: string[],
  known: string[],
): string[] {
  const v = config[key];
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return fallback;
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string' && s !== '')) {
    throw new AlgorithmConfigError(`protoConfig.${key} must be a list of algorithm names`);
  }
  const unknown = list.filter((s) => !known.includes(s));
  if (unknown.length > 0)
    throw new AlgorithmConfigError(`protoConfig.${key}: unsupported ${unknown.join(', ')}`);
  return list;
}

/** The ssh2 `algorithms` of a server, from its proto config (throws AlgorithmConfigError). */
export function serverAlgorithms(
  protoConfig: Record<string, unknown>,
): NonNullable<ServerConfig['algorithms']> {
  const known = supportedAlgorithms();
  // Only what this ssh2 build offers (chacha20 needs a recent OpenSSL or the native binding).
  const usable = (list: readonly string[], all: string[]): string[] => list.filter((a) => all.includes(a));
  return {
    kex: listFrom(protoConfig, 'keyExchanges', usable(modernKeyExchanges, known.kex), known.kex),
    cipher: listFrom(protoConfig, 'ciphers', usable(modernCiphers, known.cipher), known.cipher),
    hmac: listFrom(protoConfig, 'macs', usable(modernMacs, known.hmac), known.hmac),
    serverHostKey: usable(defaultHostKeyAlgorithms, known.serverHostKey),
    compress: ['none'],
  } as NonNullable<ServerConfig['algorithms']>;
}
