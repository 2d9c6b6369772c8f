/**
 * Upgrades a stored password hash after a successful login, when `needsRehash` says it is not
 * scrypt at the current parameters (an older cost, a bcrypt hash imported from Waarp Gateway).
 * Only a login knows the password, so this is the only moment it can be done.
 *
 * It never delays nor risks the login: the new hash is computed after the caller has moved on,
 * written only if the stored hash is still the one checked (a password changed meanwhile wins),
 * and a failure is logged, nothing more; the old hash keeps working until the next login.
 */
import type { Logger } from '../log.js';
import { hashPassword, needsRehash } from './passwords.js';

/** Stored hashes being upgraded now: concurrent logins of one account upgrade it once. */
const upgrading = new Set<string>();

/**
 * Schedules the upgrade of `stored` (which `password` just matched). `replace(newHash)` writes it
 * if the stored value is still `stored`, and says whether it did.
 */
export function rehashLater(
  password: string,
  stored: string,
  replace: (hash: string) => Promise<boolean>,
  log: Logger,
  who: Record<string, unknown>,
): void {
  if (!needsRehash(stored) || upgrading.has(stored)) return;
  upgrading.add(stored);
  setImmediate(() => {
    hashPassword(password)
      .then(replace)
      .then(
        (replaced) => {
          if (replaced) log.info(who, 'password hash upgraded to the current parameters');
          else log.debug(who, 'password changed meanwhile: hash not upgraded');
        },
        (err: unknown) => log.warn({ ...who, err }, 'could not upgrade the password hash (the login stands)'),
      )
      .finally(() => upgrading.delete(stored));
  });
}
