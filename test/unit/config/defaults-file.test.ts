import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfigText, writeDefaultConfig } from '../../../src/config/defaults-file.js';
import { loadConfig } from '../../../src/config/load.js';
import { parseOverrideFile } from '../../../src/config/override.js';
import { schema } from '../../../src/config/schema.js';
import { FatalError } from '../../../src/errors.js';
import { tempDir } from './helpers.js';

void test('the default file loads back to exactly the defaults of a file that only chooses the database', () => {
  const dir = tempDir({ 'empty/gatewayd.ini': '[database]\nType = sqlite\n' });
  const written = writeDefaultConfig(join(dir, 'gatewayd.ini'));
  assert.deepEqual(written, [join(dir, 'gatewayd.ini')]);
  const fromDefaults = loadConfig({ file: join(dir, 'gatewayd.ini'), env: {} });
  const fromEmpty = loadConfig({ file: join(dir, 'empty', 'gatewayd.ini'), env: {} });
  assert.deepEqual(fromDefaults.warnings, []);
  // Same config apart from the folders, which differ by construction.
  const rebase = (s: unknown): unknown => JSON.parse(JSON.stringify(s).replaceAll(join(dir, 'empty'), dir));
  assert.deepEqual(JSON.parse(JSON.stringify(fromDefaults.config)), rebase(fromEmpty.config));
  assert.equal(fromDefaults.config.admin.host, '127.0.0.1');
  assert.equal(fromDefaults.config.controller.delayMs, 5000);
});

void test('the default file documents every key with its env variable', () => {
  const text = defaultConfigText();
  for (const def of schema) {
    assert.match(text, new RegExp(`^;?${def.key} =`, 'm'), def.key);
    if ('env' in def) assert.ok(text.includes(`WAARP_GATEWAY_${def.env}`), def.env);
  }
  assert.match(text, /^\[cluster\]$/m);
  assert.match(text, /^Delay = 5s$/m);
  assert.match(text, /^TrustedProxies =$/m);
  assert.doesNotMatch(text, /[ \t]$/m, 'no trailing whitespace');
});

void test('with an instance, also writes an override file that parses to no indirection', () => {
  const dir = tempDir();
  const written = writeDefaultConfig(join(dir, 'etc', 'gatewayd.ini'), 'node1');
  assert.deepEqual(written, [join(dir, 'etc', 'gatewayd.ini'), join(dir, 'etc', 'node1.ini')]);
  const ind = parseOverrideFile(join(dir, 'etc', 'node1.ini'));
  assert.equal(ind.entries().size, 0);
  const { config, warnings } = loadConfig({
    file: join(dir, 'etc', 'gatewayd.ini'),
    instance: 'node1',
    env: {},
  });
  assert.equal(config.instance, 'node1');
  assert.deepEqual(warnings, []);
});

void test('refuses to overwrite, and writes nothing when either file exists', () => {
  const dir = tempDir({ 'node1.ini': 'mine\n' });
  assert.throws(
    () => writeDefaultConfig(join(dir, 'gatewayd.ini'), 'node1'),
    (err: unknown) =>
      err instanceof FatalError && /node1\.ini: already exists; refusing to overwrite/.test(err.message),
  );
  assert.equal(existsSync(join(dir, 'gatewayd.ini')), false);
  writeFileSync(join(dir, 'gatewayd.ini'), 'keep me\n');
  assert.throws(() => writeDefaultConfig(join(dir, 'gatewayd.ini')), /gatewayd\.ini: already exists/);
  assert.equal(readFileSync(join(dir, 'gatewayd.ini'), 'utf8'), 'keep me\n');
  assert.equal(readFileSync(join(dir, 'node1.ini'), 'utf8'), 'mine\n');
});

void test('refuses a node name that is not a plain file name', () => {
  const dir = tempDir();
  assert.throws(() => writeDefaultConfig(join(dir, 'gatewayd.ini'), '../x'), /not a valid node name/);
  assert.equal(existsSync(join(dir, 'gatewayd.ini')), false);
});
