/**
 * Password hashing with scrypt (node's own, no native dependency). The stored form is
 * self-describing so the cost can be raised later without invalidating old hashes:
 * `scrypt$N$r$p$salt_b64$hash_b64`; `needsRehash` says which stored hashes to replace at the
 * next successful login (src/crypto/rehash.ts).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { isBcryptHash, verifyBcrypt } from './bcrypt.js';

/**
 * OWASP's Password Storage Cheat Sheet lists equivalent scrypt settings (N=2^17 r=8 p=1, …,
 * N=2^14 r=8 p=5). The last one needs 16 MiB per computation instead of 128 MiB for the same
 * work: with two at once (below) a login burst holds 32 MiB, not 256 MiB. docs/security.md
 * gives the measured cost per login.
 */
const N = 1 << 14;
const r = 8;
const p = 5;
const keyLength = 32;
/** Room to verify stored hashes of stronger settings too (N=2^17 r=8 needs 128 MiB). */
const maxmem = 256 * 1024 * 1024;

/**
 * At most this many scrypt computations at once in the process, the others wait their turn: each
 * holds 128·N·r = 16 MiB while it runs (memory the allocator tends to keep), and a burst of logins
 * or guesses must not take every core.
 */
const maxConcurrentKdf = 2;
let kdfRunning = 0;
const kdfQueue: (() => void)[] = [];

async function withKdfSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (kdfRunning >= maxConcurrentKdf) await new Promise<void>((resolve) => kdfQueue.push(resolve));
  kdfRunning++;
  try {
    return await fn();
  } finally {
    kdfRunning--;
    kdfQueue.shift()?.();
  }
}

function derive(password: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  return withKdfSlot(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password, salt, keyLength, { N: n, r: rr, p: pp, maxmem }, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A valid hash of a random password: compared against when the user does not exist, so
 *  that an unknown login costs the same time as a wrong password. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Constant-time check. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  // A hash imported from the reference (#21): checked as bcrypt, in a KDF slot like ours.
  if (isBcryptHash(stored)) return withKdfSlot(() => verifyBcrypt(password, stored));
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, rr, pp, salt, hash] = parts;
  const expected = Buffer.from(hash ?? '', 'base64');
  if (expected.length !== keyLength) return false;
  const key = await derive(password, Buffer.from(salt ?? '', 'base64'), Number(n), Number(rr), Number(pp));
  return timingSafeEqual(key, expected);
}

/**
 * True for any stored hash that is not scrypt at the current parameters: an older scrypt cost,
 * a bcrypt hash imported from Waarp Gateway, anything else. It is replaced at the next login.
 */
export function needsRehash(stored: string): boolean {
  const [kind, n, rr, pp, salt, hash, ...rest] = stored.split('$');
  return !(
    kind === 'scrypt' &&
    n === String(N) &&
    rr === String(r) &&
    pp === String(p) &&
    salt !== undefined &&
    hash !== undefined &&
    rest.length === 0
  );
}

export function isPasswordHash(value: string): boolean {
  return value.startsWith('scrypt$') || isBcryptHash(value);
}
