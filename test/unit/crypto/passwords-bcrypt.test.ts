/**
 * Hashes imported from the reference (bcrypt, #21) verify alongside ours, and are recognised as
 * hashes so an import never hashes them again as if they were passwords.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../src/crypto/passwords.js';

// x/crypto/bcrypt's own test vector: what Go (the reference) computes for "allmine".
const goHash = '$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga';

describe('bcrypt hashes from the reference', () => {
  it('verify with the original password, and only with it', async () => {
    assert.equal(await verifyPassword('allmine', goHash), true);
    assert.equal(await verifyPassword('allmine!', goHash), false);
    assert.equal(await verifyPassword(goHash, goHash), false, 'the hash itself is not the password');
  });

  it('accept the $2b$ and $2y$ spellings of the same hash', async () => {
    assert.equal(await verifyPassword('allmine', goHash.replace('$2a$', '$2b$')), true);
    assert.equal(await verifyPassword('allmine', goHash.replace('$2a$', '$2y$')), true);
  });

  it('are recognised as hashes; malformed ones are not, and never match', async () => {
    assert.equal(isPasswordHash(goHash), true);
    assert.equal(isPasswordHash(await hashPassword('x')), true);
    for (const bad of [
      goHash.slice(0, -1), // one character short
      goHash.replace('$10$', '$03$'), // cost below bcrypt's minimum
      goHash.replace('$10$', '$32$'), // cost above it
      goHash.replace('$2a$', '$2x$'),
      'allmine',
    ]) {
      assert.equal(isPasswordHash(bad), false, bad);
      assert.equal(await verifyPassword('allmine', bad), false, bad);
    }
  });
});
