import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import { configError, tempDir } from './helpers.js';

const fixture = (name: string): string =>
  readFileSync(
    fileURLToPath(new URL(`../../../../test/integration/admin/fixtures/${name}`, import.meta.url)),
    'utf8',
  );

/** Loads `text` (with the embedded database chosen first) and its files in a fresh folder. */
function load(text: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir({ 'gatewayd.ini': `[database]\nType = sqlite\n${text}`, ...files });
  return { dir, run: () => loadConfig({ file: join(dir, 'gatewayd.ini'), env }) };
}

void test('a matching TLS certificate and key load; a wrong key, a junk certificate, a missing file do not', () => {
  const tls = '[admin]\nTLSCert = tls.crt\nTLSKey = tls.key\n';
  assert.doesNotThrow(
    load(tls, { 'tls.crt': fixture('admin-tls.crt'), 'tls.key': fixture('admin-tls.key') }).run,
  );

  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  const wrong = configError(load(tls, { 'tls.crt': fixture('admin-tls.crt'), 'tls.key': String(other) }).run);
  assert.match(
    wrong.message,
    /gatewayd\.ini:5: \[admin\] TLSKey: .*tls\.key is not the private key of the certificate/,
  );

  const junk = configError(load(tls, { 'tls.crt': 'junk\n', 'tls.key': fixture('admin-tls.key') }).run);
  assert.match(junk.message, /gatewayd\.ini:4: \[admin\] TLSCert: .*tls\.crt is not a PEM certificate/);

  const missing = configError(load(tls).run);
  assert.equal(missing.problems.length, 2);
  assert.match(missing.message, /\[admin\] TLSCert: cannot read .*tls\.crt: no such file/);
});

void test('the AES key file must hold 32 bytes (a trailing newline is tolerated); a loose mode is a warning', () => {
  const aes = 'AESPassphrase = key.aes\n';
  const short = configError(load(aes, { 'key.aes': 'short' }).run);
  assert.match(
    short.message,
    /gatewayd\.ini:3: \[database\] AESPassphrase: .*key\.aes must hold the 32 bytes of the AES key, it holds 5/,
  );
  const ok = load(aes, { 'key.aes': 'k'.repeat(32) + '\n' });
  chmodSync(join(ok.dir, 'key.aes'), 0o644);
  const { warnings } = ok.run();
  assert.match(warnings.join('\n'), /key\.aes: the AES key file can be read by others .*0644.*chmod 600/);
});

void test("no default folder may hold the gateway's own files", () => {
  const err = configError(load('[paths]\nDefaultInDir = .\n').run);
  assert.match(
    err.message,
    /gatewayd\.ini:4: \[paths\] DefaultInDir: the folder .* holds the gateway's own file .*(passphrase\.aes|waarp-gateway\.db|gatewayd\.ini)/,
  );
});

void test('folders and the database must be what they say, or creatable', () => {
  const dirDb = load('', {});
  mkdirSync(join(dirDb.dir, 'waarp-gateway.db'));
  assert.match(
    configError(dirDb.run).message,
    /\[database\] Address: the database .*waarp-gateway\.db is not a file/,
  );
  const fileHome = load('[paths]\nGatewayHome = home\n', { home: 'a file' });
  assert.match(
    configError(fileHome.run).message,
    /gatewayd\.ini:4: \[paths\] GatewayHome: .*home is not a folder/,
  );
  const ok = load('[paths]\nGatewayHome = not/yet/there\n');
  assert.doesNotThrow(ok.run);
  writeFileSync(join(ok.dir, 'blocker'), '');
  const blocked = load(`[paths]\nGatewayHome = ${join(ok.dir, 'blocker', 'home')}\n`);
  assert.match(
    configError(blocked.run).message,
    /GatewayHome: .* does not exist and .*blocker is not a folder/,
  );
});

void test("the first admin's password from the environment follows the policy", () => {
  const err = configError(load('', {}, { WAARP_GATEWAY_ADMIN_PASSWORD: 'short' }).run);
  assert.match(err.message, /^environment: WAARP_GATEWAY_ADMIN_PASSWORD: .*at least 12 characters/);
  assert.doesNotThrow(load('', {}, { WAARP_GATEWAY_ADMIN_PASSWORD: 'long-enough-password' }).run);
});
