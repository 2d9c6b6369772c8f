import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { createStores } from '../../../src/db/stores/index.js';
import type { Stores } from '../../../src/db/stores/index.js';
import { silentLogger } from '../../../src/log.js';
import { gatewayHostKey, gatewayHostKeySetting } from '../../../src/sftp/host-keys.js';
import { utils } from '../../../src/sftp/ssh2.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';

/** What ssh2's generator made one time in a thousand: a 31-byte public key, unloadable. */
const unloadableKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz
c2gtZWQyNTUxOQAAAB/SXyMVaEJUnUUiy9d9S0h6QIOPwUYk6vBpRlh+7oo8AAAA
iJt1XFmbdVxZAAAAC3NzaC1lZDI1NTE5AAAAH9JfIxVoQlSdRSLL131LSHpAg4/B
RiTq8GlGWH7uijwAAAA/fx8o9YlBZ5zermbuD5J3o+FdCHZKHqsVFnW3wFQPdhXS
XyMVaEJUnUUiy9d9S0h6QIOPwUYk6vBpRlh+7oo8AAAAB2dhdGV3YXk=
-----END OPENSSH PRIVATE KEY-----
`;

describe(`the gateway-wide generated host key (${testDbKind()})`, () => {
  let db: TestDatabase;
  let stores: Stores;
  const secrets = new SecretBox(randomBytes(32));
  const ctx = () => ({ stores, secrets, log: silentLogger() });

  before(async () => {
    db = await openTestDatabase(testDbKind());
    stores = createStores(db, 'test-gateway');
  });
  after(() => db.close());

  it('is made once, loadable, and the same for every later caller', async () => {
    const first = await gatewayHostKey(ctx());
    assert.ok(!(utils.parseKey(first) instanceof Error));
    assert.equal(await gatewayHostKey(ctx()), first);
  });

  it('a stored key that cannot be loaded is replaced once, by a loadable one every node then shares', async () => {
    assert.ok(utils.parseKey(unloadableKey) instanceof Error, 'the fixture must stay unloadable');
    const broken = secrets.encrypt(unloadableKey);
    await db.run('UPDATE settings SET value = ? WHERE owner = ? AND name = ?', [
      broken,
      'test-gateway',
      gatewayHostKeySetting,
    ]);
    const [a, b] = await Promise.all([gatewayHostKey(ctx()), gatewayHostKey(ctx())]);
    assert.ok(!(utils.parseKey(a) instanceof Error), 'a loadable key');
    assert.equal(a, b, 'racing nodes end with the same key');
    assert.equal(await gatewayHostKey(ctx()), a);
  });
});
