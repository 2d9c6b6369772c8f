import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { configFileCandidates, findConfigFile } from '../../../src/config/find.js';
import { tempDir } from './helpers.js';

void test('the candidates are the reference order', () => {
  assert.deepEqual(configFileCandidates('/w'), [
    '/w/gatewayd.ini',
    '/w/etc/gatewayd.ini',
    '/etc/waarp-gateway/gatewayd.ini',
  ]);
});

void test('./gatewayd.ini wins over ./etc/gatewayd.ini', () => {
  const dir = tempDir({ 'gatewayd.ini': '', 'etc/gatewayd.ini': '' });
  assert.equal(findConfigFile(dir), join(dir, 'gatewayd.ini'));
});

void test('falls back to etc/, then to the system file; folders do not count', () => {
  const dir = tempDir({ 'etc/gatewayd.ini': '', 'gatewayd.ini/x': '' });
  assert.equal(findConfigFile(dir), join(dir, 'etc', 'gatewayd.ini'));
  const other = tempDir({ 'system.ini': '' });
  const candidates = [
    join(other, 'gatewayd.ini'),
    join(other, 'etc', 'gatewayd.ini'),
    join(other, 'system.ini'),
  ];
  assert.equal(findConfigFile(other, candidates), join(other, 'system.ini'));
  assert.equal(findConfigFile(tempDir(), [join(other, 'nope.ini')]), undefined);
});
