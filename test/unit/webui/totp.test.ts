/** TOTP against RFC 6238's test vectors (SHA-1, the 20-byte ASCII secret), 6 digits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, base32Encode, otpauthUri, totpAt, verifyTotp } from '../../../src/webui/totp.js';

const secret = base32Encode(Buffer.from('12345678901234567890'));

void test('base32 round trip and the RFC 6238 secret', () => {
  assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(base32Decode('gezd gnbv-gy3t qojq gezd gnbv gy3t qojq').toString(), '12345678901234567890');
  assert.throws(() => base32Decode('GEZ1'), /not a base32 character: 1/);
});

void test("gives the RFC's codes (last six digits of the eight-digit vectors)", () => {
  for (const [seconds, code] of [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ] as const) {
    assert.equal(totpAt(secret, seconds * 1000), code, `T=${seconds}`);
  }
});

void test('accepts the step before and after (clock drift), not two away; returns the step', () => {
  const now = 1234567890 * 1000;
  const step = Math.floor(1234567890 / 30);
  assert.equal(verifyTotp(secret, '005924', now), step);
  assert.equal(verifyTotp(secret, '005 924', now), step, 'spaces as apps show them');
  assert.equal(verifyTotp(secret, totpAt(secret, now - 30_000), now), step - 1);
  assert.equal(verifyTotp(secret, totpAt(secret, now + 30_000), now), step + 1);
  assert.equal(verifyTotp(secret, totpAt(secret, now - 60_000), now), undefined);
  assert.equal(verifyTotp(secret, '12345', now), undefined);
  assert.equal(verifyTotp(secret, 'abcdef', now), undefined);
});

void test('the otpauth URI names the issuer, account and parameters', () => {
  const uri = new URL(otpauthUri('waarp gw', 'alice', secret));
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), '/waarp gw:alice');
  assert.equal(uri.searchParams.get('issuer'), 'waarp gw');
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
});
