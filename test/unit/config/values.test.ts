import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseDuration, parseValue } from '../../../src/config/values.js';

void test('durations in Go syntax become milliseconds', () => {
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('90d'), 90 * 86_400_000);
  for (const bad of ['', '5', '5 seconds', 's', '5x', '5s ', '-1s']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

void test('ints are range-checked and must be whole', () => {
  const port = { kind: 'int', min: 0, max: 65535 } as const;
  assert.deepEqual(parseValue(port, '8080'), { ok: true, value: 8080 });
  assert.deepEqual(parseValue(port, '65536'), { ok: false, message: '65536 is out of range 0..65535' });
  assert.deepEqual(parseValue(port, '80.5'), { ok: false, message: '"80.5" is not an integer' });
});

void test('modes are octal, with or without the leading 0', () => {
  assert.deepEqual(parseValue({ kind: 'mode' }, '0640'), { ok: true, value: 0o640 });
  assert.deepEqual(parseValue({ kind: 'mode' }, '750'), { ok: true, value: 0o750 });
  assert.equal(parseValue({ kind: 'mode' }, '0980').ok, false);
  assert.equal(parseValue({ kind: 'mode' }, '07777').ok, false);
});

void test('enums are case-insensitive and map to their value', () => {
  const t = { kind: 'enum', values: { WARNING: 'warn', INFO: 'info' } } as const;
  assert.deepEqual(parseValue(t, 'warning'), { ok: true, value: 'warn' });
  assert.deepEqual(parseValue(t, 'loud'), { ok: false, message: '"loud" is not one of WARNING, INFO' });
});

void test('CIDR lists are normalised; a bare IP is a host route', () => {
  assert.deepEqual(parseValue({ kind: 'cidrs' }, '10.0.0.0/8, 192.168.1.7,::1'), {
    ok: true,
    value: ['10.0.0.0/8', '192.168.1.7/32', '::1/128'],
  });
  assert.deepEqual(parseValue({ kind: 'cidrs' }, ''), { ok: true, value: [] });
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('example.com'), undefined);
});

void test('bools accept the usual spellings only', () => {
  assert.deepEqual(parseValue({ kind: 'bool' }, 'Yes'), { ok: true, value: true });
  assert.deepEqual(parseValue({ kind: 'bool' }, 'off'), { ok: true, value: false });
  assert.equal(parseValue({ kind: 'bool' }, 'maybe').ok, false);
});
