import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKey, schema, sections } from '../../../src/config/schema.js';
import type { KeyDef } from '../../../src/config/schema.js';
import { parseValue } from '../../../src/config/values.js';

const defs = schema as readonly KeyDef[];

void test('every default parses with its own type', () => {
  for (const def of defs) {
    if (def.default === undefined) continue;
    const parsed = parseValue(def.type, def.default);
    assert.ok(parsed.ok, `[${def.section}] ${def.key} = ${def.default}`);
  }
});

void test('every key belongs to a declared section and ids, names and env vars are unique', () => {
  const names = new Set(sections.map((s) => s.name));
  for (const def of defs) assert.ok(names.has(def.section), def.id);
  const unique = (xs: readonly string[]): void => assert.equal(new Set(xs).size, xs.length, xs.join(','));
  unique(defs.map((d) => d.id));
  unique(defs.flatMap((d) => (d.env === undefined ? [] : [d.env])));
  unique(
    defs.flatMap((d) =>
      [d.key, ...(d.aliases ?? []), ...(d.deprecated ?? [])].map((k) => `${d.section}.${k.toLowerCase()}`),
    ),
  );
});

void test('the environment names of the reference map to the right keys', () => {
  const env = (name: string): string | undefined => defs.find((d) => d.env === name)?.id;
  assert.equal(env('ADMIN_ADDRESS'), 'admin.host');
  assert.equal(env('DB_AES_PASSPHRASE'), 'database.aesPassphrase');
  assert.equal(env('MAX_OUT'), 'controller.maxTransferOut');
  assert.equal(env('HOME'), 'paths.gatewayHome');
});

void test('keys match case-insensitively, by alias, deprecated alias or legacy name', () => {
  assert.equal(findKey('DATABASE', 'string')?.kind, 'key');
  const dep = findKey('paths', 'WorkDirectory');
  assert.ok(dep?.kind === 'key' && dep.deprecated && dep.def.key === 'DefaultTmpDir');
  assert.equal(findKey('log', 'SyslogFacility')?.kind, 'legacy');
  assert.equal(findKey('admin', 'Nope'), undefined);
  assert.equal(findKey('nope', 'Port'), undefined);
});
