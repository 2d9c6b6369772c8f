/**
 * What the README says of `npm start` (deploy/local/gatewayd.ini): where everything lives, the
 * admin API's address, and that the environment moves it (WAARP_GATEWAY_ADMIN_PORT…).
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';

const file = 'deploy/local/gatewayd.ini';
const home = resolve('deploy/local/home');

void test('npm start: SQLite, uploads in home/in, downloads from home/out, admin API on 127.0.0.1:8080', () => {
  const { config, warnings } = loadConfig({ file, env: {} });
  assert.deepEqual(warnings, []);
  assert.equal(config.paths.gatewayHome, home);
  assert.equal(config.paths.defaultInDir, resolve(home, 'in'));
  assert.equal(config.paths.defaultOutDir, resolve(home, 'out'));
  assert.equal(config.database.type, 'sqlite');
  assert.equal(config.database.address, resolve(home, 'waarp-gateway.db'));
  assert.deepEqual([config.admin.host, config.admin.port], ['127.0.0.1', 8080]);
});

void test('npm start: the environment changes the admin port, address and home', () => {
  const { config, warnings } = loadConfig({
    file,
    env: {
      WAARP_GATEWAY_ADMIN_PORT: '18080',
      WAARP_GATEWAY_ADMIN_ADDRESS: '0.0.0.0',
      WAARP_GATEWAY_HOME: '/srv/gateway',
    },
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual([config.admin.host, config.admin.port], ['0.0.0.0', 18080]);
  assert.equal(config.paths.defaultInDir, '/srv/gateway/in');
});
