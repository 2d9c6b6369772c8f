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

  it('runs one KDF for clients checking the same credentials at once, not one each', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new VerifiedPasswordCache(16, async (password, stored) => {
      calls.push(password);
      await gate;
      return password === 'right' && stored === 'H1';
    });
    const right = Array.from({ length: 8 }, () => cache.verify('right', 'H1'));
    const wrong = Array.from({ length: 3 }, () => cache.verify('wrong', 'H1'));
    const otherHash = cache.verify('right', 'H2');
    release();
    assert.deepEqual(await Promise.all(right), Array(8).fill(true));
    assert.deepEqual(await Promise.all(wrong), [false, false, false]);
    assert.equal(await otherHash, false);
    assert.deepEqual(calls.sort(), ['right', 'right', 'wrong'], 'one check per distinct (hash, password)');
    assert.equal(await cache.verify('wrong', 'H1'), false);
    assert.equal(calls.length, 4, 'a failure is checked again next time (never cached)');
  });
});
