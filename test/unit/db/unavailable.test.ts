import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { isDatabaseUnavailable } from '../../../src/db/unavailable.js';
import { TransferError } from '../../../src/model/transfer-state.js';

const withCode = (code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(code), { code, ...extra });

describe('isDatabaseUnavailable', () => {
  it('is true for a database that cannot be reached (mysql2, a real refused connection)', async () => {
    const pool = mysql.createPool({ host: '127.0.0.1', port: 1, user: 'nobody', connectTimeout: 2000 });
    try {
      const err = await pool.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal((err as { code?: string }).code, 'ECONNREFUSED');
      assert.equal(isDatabaseUnavailable(err), true);
    } finally {
      await pool.end();
    }
  });

  it('is true for a lost connection and for lock conflicts', () => {
    assert.equal(isDatabaseUnavailable(withCode('PROTOCOL_CONNECTION_LOST', { fatal: true })), true);
    assert.equal(isDatabaseUnavailable(withCode('ECONNRESET', { fatal: true })), true);
    assert.equal(isDatabaseUnavailable(withCode('ER_LOCK_DEADLOCK')), true);
    assert.equal(isDatabaseUnavailable(withCode('SQLITE_BUSY')), true);
  });

  it("is false for a partner's socket error, a transfer error and anything else", () => {
    // ssh2 reports a partner's reset or timeout with these codes, never `fatal`.
    assert.equal(isDatabaseUnavailable(withCode('ECONNRESET', { level: 'client-socket' })), false);
    assert.equal(isDatabaseUnavailable(withCode('ETIMEDOUT')), false);
    assert.equal(isDatabaseUnavailable(withCode('EPIPE')), false);
    assert.equal(isDatabaseUnavailable(new TransferError('TeConnection', 'partner gone')), false);
    assert.equal(isDatabaseUnavailable('ECONNRESET'), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
  });
});
