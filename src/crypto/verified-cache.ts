/**
 * A bounded cache of password checks that succeeded, so that a client logging in again and
 * again (REST calls, short SFTP sessions) does not pay the KDF every time.
 *
 * The key is an HMAC-SHA-256, under a random key of this process, of the STORED hash and the
 * password offered. Callers always read the stored hash from the database first, so a changed
 * password (new stored hash, new salt), a deleted account (no stored hash) or a wrong password
 * (different key) can never hit the cache. Only successes are cached; the entries hold MACs,
 * never passwords, and without the process's key they cannot be used to test guesses faster
 * than the KDF allows.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { verifyPassword } from './passwords.js';

export class VerifiedPasswordCache {
  readonly #entries = new Map<string, true>();
  /** Checks running now, by key: clients logging in together with the same credentials (a
   *  partner opening several sessions, a REST client's parallel requests) share one KDF. */
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #macKey = randomBytes(32);

  constructor(
    private readonly capacity = 1024,
    /** The KDF check itself (a parameter for the tests). */
    private readonly check: (password: string, storedHash: string) => Promise<boolean> = verifyPassword,
  ) {}

  verify(password: string, storedHash: string): Promise<boolean> {
    const key = createHmac('sha256', this.#macKey)
      .update(storedHash)
      .update('\0')
      .update(password)
      .digest('base64');
    if (this.#entries.has(key)) {
      // Refresh its place: the Map keeps insertion order, the oldest goes first.
      this.#entries.delete(key);
      this.#entries.set(key, true);
      return Promise.resolve(true);
    }
    let check = this.#inFlight.get(key);
    if (check === undefined) {
      check = this.check(password, storedHash)
        .then((ok) => {
          if (ok) this.#remember(key);
          return ok;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, check);
    }
    return check;
  }

  #remember(key: string): void {
    this.#entries.set(key, true);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
