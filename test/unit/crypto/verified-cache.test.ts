import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../../../src/crypto/passwords.js';
import { VerifiedPasswordCache } from '../../../src/crypto/verified-cache.js';

describe('verified-password cache', () => {
  it('remembers a password verified against a stored hash', async () => {
    const cache = new VerifiedPasswordCache();
    const stored = await hashPassword('s3cret');
    assert.equal(await cache.verify('s3cret', stored), true);
    assert.equal(await cache.verify('s3cret', stored), true);
    assert.equal(cache.size, 1, 'one entry, reused (the session-rate benchmark measures the gain)');
  });

  it('never accepts a wrong password, nor an old one once the stored hash changed', async () => {
    const cache = new VerifiedPasswordCache();
    const before = await hashPassword('old-password');
    assert.equal(await cache.verify('old-password', before), true);
    assert.equal(await cache.verify('wrong', before), false);
    const after = await hashPassword('new-password');
    assert.equal(
      await cache.verify('old-password', after),
      false,
      'changed password: cache miss, KDF says no',
    );
    assert.equal(await cache.verify('new-password', after), true);
    assert.equal(cache.size, 2, 'failures are not cached');
  });

  it('stays within its capacity, dropping the least recently used entry', async () => {
    const cache = new VerifiedPasswordCache(2);
    const hashes = await Promise.all(['a', 'b', 'c'].map((p) => hashPassword(p)));
    await cache.verify('a', hashes[0]!);
    await cache.verify('b', hashes[1]!);
    await cache.verify('a', hashes[0]!); // a is now the most recent
    await cache.verify('c', hashes[2]!);
    assert.equal(cache.size, 2);
  });
});
