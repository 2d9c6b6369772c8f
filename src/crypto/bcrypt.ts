/**
 * bcrypt, the reference's password hash (Go's x/crypto/bcrypt, `$2a$` + cost 12): kept only to
 * verify the hashes an import brings over from Waarp Gateway, so migrated accounts and users
 * log in with their original passwords. New hashes are always ours (see passwords.ts).
 *
 * bcryptjs is pure JavaScript (no native build): a cost-12 check takes about a second of CPU,
 * split by the library into slices of at most 100 ms so the event loop keeps turning.
 */
import bcrypt from 'bcryptjs';

/** `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31, then 22 + 31 characters of bcrypt base64. */
const bcryptForm = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(value: string): boolean {
  return bcryptForm.test(value);
}

/**
 * Checks a password against a bcrypt hash. Like Go's CompareHashAndPassword, only the first
 * 72 bytes of the password count (the algorithm's limit, the same on both sides).
 */
export function verifyBcrypt(password: string, hash: string): Promise<boolean> {
  if (!isBcryptHash(hash)) return Promise.resolve(false);
  return bcrypt.compare(password, hash);
}
