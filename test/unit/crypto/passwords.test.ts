import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/crypto/passwords.js';

function scryptHash(password: string, n: number, r: number, p: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: n, r, p, maxmem: 256 * 1024 * 1024 });
  return `scrypt$${n}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('password hashes', () => {
  it('hashes at the current parameters, which need no rehash', async () => {
    const stored = await hashPassword('a long enough password');
    assert.match(stored, /^scrypt\$16384\$8\$5\$/);
    assert.equal(needsRehash(stored), false);
    assert.equal(await verifyPassword('a long enough password', stored), true);
    assert.equal(await verifyPassword('another password', stored), false);
  });

  it('needs a rehash for any other stored form: older scrypt costs, bcrypt, junk', () => {
    assert.equal(needsRehash(scryptHash('pw', 1 << 14, 8, 1)), true);
    assert.equal(needsRehash('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'), true);
    assert.equal(needsRehash('$2a$10$abcdefghijklmnopqrstuu'), true);
    assert.equal(needsRehash('scrypt$16384$8$5$onlysalt'), true);
    assert.equal(needsRehash(''), true);
  });

  it('still verifies hashes of older and of stronger settings (maxmem raised for N=2^17)', async () => {
    assert.equal(await verifyPassword('old', scryptHash('old', 1 << 14, 8, 1)), true);
    assert.equal(await verifyPassword('strong', scryptHash('strong', 1 << 17, 8, 1)), true);
  });
});
