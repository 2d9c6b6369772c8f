/**
 * Finding 7 of #15: start-up. Bad TLS or AES files and a busy admin port ended in a stack trace
 * after the database was migrated and the admin user created; invalid UTF-8 in the INI file was
 * silently replaced; a file with no `[database]` (or an empty file) started a fresh SQLite
 * gateway; 200 000 junk lines gave a stack trace. The real daemon is run on each bad file: it
 * must stop with a message naming the file and line or the setting, before creating anything.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';

const daemon = resolve('dist/src/daemon/main.js');

/** The daemon's environment without any WAARP_GATEWAY_* of the test runner. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WAARP_GATEWAY_')) env[k] = v;
  return env;
}

const base = {
  global: ['GatewayName = startup-test'],
  paths: ['GatewayHome = home'],
  log: ['Level = ERROR'],
  admin: ['Host = 127.0.0.1', 'Port = 0'],
  database: ['Type = sqlite', 'Address = gateway.db', 'AESPassphrase = home/passphrase.aes'],
};

function ini(sections: Record<string, string[]>): string {
  return Object.entries(sections)
    .map(([name, lines]) => `[${name}]\n${lines.join('\n')}\n`)
    .join('\n');
}

/** Line number (1-based) of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('fail before touching anything (finding 7)', { timeout: 180_000 }, () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await makeTempDir('startup');
  });
  after(() => removeTempDir(dir));

  /**
   * Runs `waarp-gatewayd server` on `content` (and `files`, by path) in a fresh folder, and
   * asserts it stopped by itself with an error, without a stack trace and before creating anything.
   */
  function refused(content: string | Buffer, files: Record<string, string> = {}): string {
    const folder = join(dir, `case-${++n}`);
    for (const [name, text] of Object.entries({ ...files, 'gatewayd.ini': content })) {
      mkdirSync(dirname(join(folder, name)), { recursive: true });
      writeFileSync(join(folder, name), text);
    }
    const res = spawnSync(process.execPath, [daemon, 'server', '-c', join(folder, 'gatewayd.ini')], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 15_000,
      maxBuffer: 64 << 20,
    });
    assert.notEqual(res.status, null, 'the daemon stopped by itself');
    assert.notEqual(res.status, 0);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(join(folder, 'home', 'gateway.db')), false, 'no database created');
    assert.equal(existsSync(join(folder, 'home', 'admin-password')), false, 'no admin created');
    return res.stderr;
  }

  it('names an unreadable TLS certificate or key file before opening the database', () => {
    const text = ini({ ...base, admin: [...base.admin, 'TLSCert = tls.crt', 'TLSKey = tls.key'] });
    const stderr = refused(text, { 'tls.crt': 'not a certificate\n', 'tls.key': 'not a key\n' });
    assert.match(stderr, new RegExp(`gatewayd\\.ini:${lineOf(text, 'TLSCert')}: \\[admin\\] TLSCert`));
  });

  it('names a missing TLS file', () => {
    const text = ini({ ...base, admin: [...base.admin, 'TLSCert = missing.crt', 'TLSKey = missing.key'] });
    assert.match(refused(text), /\[admin\] TLSCert: .*missing\.crt/);
  });

  it('names an AES key file of the wrong size', () => {
    const text = ini(base);
    assert.match(
      refused(text, { 'home/passphrase.aes': 'short' }),
      new RegExp(`gatewayd\\.ini:${lineOf(text, 'AESPassphrase')}: \\[database\\] AESPassphrase: .*32 bytes`),
    );
  });

  describe('a busy admin port', () => {
    let busy: Server;
    let port = 0;
    before(async () => {
      busy = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      port = (busy.address() as { port: number }).port;
    });
    after(() => new Promise<void>((r) => busy.close(() => r())));

    it('is named, with the setting, before the database is opened', () => {
      const stderr = refused(ini({ ...base, admin: ['Host = 127.0.0.1', `Port = ${port}`] }));
      assert.match(stderr, /\[admin\] Port/);
      assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*in use`));
    });
  });

  it('refuses invalid UTF-8, naming the line', () => {
    const text = Buffer.concat([
      Buffer.from('[global]\nGatewayName = caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n\n' + ini({ paths: base.paths, admin: base.admin, database: base.database })),
    ]);
    assert.match(refused(text), /gatewayd\.ini:2: .*UTF-8/);
  });

  it('refuses a file without [database], or an empty file: no silent embedded default', () => {
    for (const text of [ini({ global: base.global, paths: base.paths, admin: base.admin }), '']) {
      const stderr = refused(text);
      assert.match(stderr, /\[database\] Type: missing/);
    }
  });

  it('gives a clear, bounded error for 200 000 junk lines', () => {
    const junk = Array.from({ length: 200_000 }, (_, i) => `junk line ${i}`).join('\n');
    const stderr = refused(`[global]\n${junk}\n`);
    assert.match(stderr, /gatewayd\.ini:2: /);
    assert.match(stderr, /and 199[ ,]?\d{3} more problems/);
    assert.ok(stderr.length < 20_000, `stderr is ${stderr.length} characters`);
  });

  it('still starts on the embedded default of `npm start`, which asks for it explicitly', () => {
    const { config } = loadConfig({ file: 'deploy/local/gatewayd.ini', env: {} });
    assert.equal(config.database.type, 'sqlite');
  });
});
