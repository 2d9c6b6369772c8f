import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { ExitCode } from '../../../src/errors.js';
import { configError, tempDir } from './helpers.js';

/**
 * Loads `text` as `gatewayd.ini` in a fresh folder, with no environment, checking values only
 * (the files it names are checked in check-files.test.ts). A text without `[database]` gets one
 * at its end that chooses the embedded database (required: tested below), so lines keep their numbers.
 */
function load(text: string, env: NodeJS.ProcessEnv = {}, instance?: string) {
  const full = /^\s*\[database\]/im.test(text) ? text : `${text}\n[database]\nType = sqlite\n`;
  const dir = tempDir({ 'gatewayd.ini': full });
  return { dir, ...loadConfig({ file: join(dir, 'gatewayd.ini'), env, instance, checkFiles: false }) };
}

void test('a file that only chooses the embedded database gives the documented defaults', () => {
  const { dir, config, warnings } = load('');
  assert.deepEqual(warnings, []);
  assert.equal(config.configFile, join(dir, 'gatewayd.ini'));
  assert.equal(config.configDir, dir);
  assert.equal(config.instance, undefined);
  assert.equal(config.global.gatewayName, 'waarp-gateway');
  assert.deepEqual(config.paths, {
    gatewayHome: dir,
    defaultInDir: join(dir, 'in'),
    defaultOutDir: join(dir, 'out'),
    defaultTmpDir: join(dir, 'tmp'),
    filePermissions: 0o640,
    directoryPermissions: 0o750,
  });
  assert.deepEqual(config.log, { level: 'info', logTo: 'stdout' });
  assert.deepEqual(config.admin, {
    host: '127.0.0.1',
    port: 8080,
    tlsCert: undefined,
    tlsKey: undefined,
    trustedProxies: [],
    disableWebUI: false,
    webUISessionIdleMs: 15 * 60_000,
    webUISessionLifetimeMs: 8 * 3600_000,
  });
  assert.deepEqual(config.database, {
    type: 'sqlite',
    address: join(dir, 'waarp-gateway.db'),
    name: '',
    user: '',
    password: '',
    aesPassphrase: join(dir, 'passphrase.aes'),
  });
  assert.deepEqual(config.controller, {
    delayMs: 5000,
    maxTransferIn: 0,
    maxTransferOut: 0,
    uploadBufferBytes: 64 * 1024 * 1024,
    downloadResumeTimeoutMs: 3_600_000,
  });
  assert.deepEqual(config.cluster, {
    heartbeatIntervalMs: 1000,
    nodeTimeoutMs: 5000,
    drainGraceMs: 30_000,
    drainNoticeMs: 0,
    clockSkewWarningMs: 1000,
    maxClockSkewMs: 10_000,
  });
  assert.deepEqual(config.audit, { retentionMs: 90 * 86_400_000 });
  assert.equal(config.indirection.resolve('127.0.0.1:8080'), '127.0.0.1:8080');
  assert.ok(Object.isFrozen(config.admin));
});

void test('reads every section, case-insensitively, with quoted secrets', () => {
  const { config } = load(`
[GLOBAL]
gatewayname = gw-prod
[Log]
Level = warning
LogTo = logs/gw.log
[admin]
Host = ::
Port = 9443
TLSCert = certs/admin.crt
TLSKey = /abs/admin.key
TrustedProxies = 10.0.0.0/8, 192.168.1.1
[database]
Type = MySQL
Address = db.example.com:3307
Name = waarp
User = gw
Password = "s3cr;t#"
[controller]
Delay = 500ms
MaxTransferIn = 10
MaxTransferOut = 20
[cluster]
HeartbeatInterval = 2s
NodeTimeout = 1m
DrainGrace = 0
DrainNotice = 3s
`);
  assert.equal(config.global.gatewayName, 'gw-prod');
  assert.equal(config.log.level, 'warn');
  assert.equal(config.log.logTo, join(config.paths.gatewayHome, 'logs/gw.log'));
  assert.equal(config.admin.host, '::');
  assert.equal(config.admin.port, 9443);
  assert.equal(config.admin.tlsCert, join(config.configDir, 'certs/admin.crt'));
  assert.equal(config.admin.tlsKey, '/abs/admin.key');
  assert.deepEqual(config.admin.trustedProxies, ['10.0.0.0/8', '192.168.1.1/32']);
  assert.deepEqual(config.database, {
    type: 'mysql',
    address: 'db.example.com:3307',
    name: 'waarp',
    user: 'gw',
    password: 's3cr;t#',
    aesPassphrase: join(config.configDir, 'passphrase.aes'),
  });
  assert.deepEqual(config.controller, {
    delayMs: 500,
    maxTransferIn: 10,
    maxTransferOut: 20,
    uploadBufferBytes: 64 * 1024 * 1024,
    downloadResumeTimeoutMs: 3_600_000,
  });
  assert.deepEqual(config.cluster, {
    heartbeatIntervalMs: 2000,
    nodeTimeoutMs: 60_000,
    drainGraceMs: 0,
    drainNoticeMs: 3000,
    clockSkewWarningMs: 1000,
    maxClockSkewMs: 10_000,
  });
});

void test('relative directories resolve against GatewayHome, which resolves against the config folder', () => {
  const { dir, config } = load(`
[paths]
GatewayHome = data
DefaultInDir = inbox
DefaultOutDir = /srv/out
[database]
AESPassphrase = keys/aes.key
Type = sqlite
`);
  assert.equal(config.paths.gatewayHome, join(dir, 'data'));
  assert.equal(config.paths.defaultInDir, join(dir, 'data', 'inbox'));
  assert.equal(config.paths.defaultOutDir, '/srv/out');
  assert.equal(config.paths.defaultTmpDir, join(dir, 'data', 'tmp'));
  assert.equal(config.database.address, join(dir, 'data', 'waarp-gateway.db'));
  assert.equal(config.database.aesPassphrase, join(dir, 'keys', 'aes.key'));
});

void test('aliases are accepted; the deprecated ones with a warning naming file and line', () => {
  const { config, warnings } = load(`[paths]
DefaultInDirectory = a
OutDirectory = b
WorkDirectory = c
[database]
Type = mysql
String = gwdb
[controller]
MaxTransfersIn = 3
MaxTransfersOut = 4
`);
  assert.equal(config.paths.defaultInDir, join(config.paths.gatewayHome, 'a'));
  assert.equal(config.paths.defaultOutDir, join(config.paths.gatewayHome, 'b'));
  assert.equal(config.paths.defaultTmpDir, join(config.paths.gatewayHome, 'c'));
  assert.equal(config.database.name, 'gwdb');
  assert.equal(config.database.address, 'localhost:3306');
  assert.equal(config.controller.maxTransferIn, 3);
  assert.equal(config.controller.maxTransferOut, 4);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /gatewayd\.ini:3: \[paths\] OutDirectory: deprecated; use DefaultOutDir/);
  assert.match(warnings[1] ?? '', /gatewayd\.ini:4: \[paths\] WorkDirectory: deprecated; use DefaultTmpDir/);
});

void test('keys of the reference we do not support: ignored with a warning, or an error if they matter', () => {
  const { warnings } = load('[log]\nSyslogFacility = local0\n[admin]\nTLSPassphrase =\n');
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /:2: \[log\] SyslogFacility: ignored: syslog is not supported/);
  const err = configError(() => load('[database]\nTLSCert = client.pem\nType = sqlite\n'));
  assert.match(err.message, /gatewayd\.ini:2: \[database\] TLSCert: "client\.pem" is not supported/);
});

/** Asserts loading `text` fails with exactly one problem whose message matches `re`. */
function rejects(text: string, re: RegExp, exitCode: number = ExitCode.badConfigValue): void {
  const err = configError(() => load(text));
  assert.equal(err.problems.length, 1, err.message);
  assert.match(err.message, re);
  assert.equal(err.exitCode, exitCode);
}

void test('an unknown section is an error naming file and line', () => {
  rejects(
    '[global]\n[sftp]\nPort = 22\n',
    /gatewayd\.ini:2: \[sftp\]: unknown section \(known: global, paths/,
  );
});

void test('an unknown key is an error naming file, line, section and key', () => {
  rejects(
    '[admin]\nPort = 1\nHots = x\n',
    /gatewayd\.ini:3: \[admin\] Hots: unknown key \(known in \[admin\]: Host, Port/,
  );
});

void test('a duplicate key is an error, also through an alias', () => {
  rejects(
    '[admin]\nPort = 1\nport = 2\n',
    /gatewayd\.ini:3: \[admin\] port: duplicate key \(already set at line 2\)/,
  );
  rejects(
    '[paths]\nDefaultInDir = a\n\nInDirectory = b\n',
    /gatewayd\.ini:4: \[paths\] InDirectory: duplicate key \(already set as DefaultInDir at line 2\)/,
  );
});

void test('a bad int is an error', () => {
  rejects('[admin]\nPort = http\n', /gatewayd\.ini:2: \[admin\] Port: "http" is not an integer/);
  rejects('[admin]\nPort = 70000\n', /gatewayd\.ini:2: \[admin\] Port: 70000 is out of range 0\.\.65535/);
});

void test('a bad duration is an error, with the message of the brief', () => {
  rejects(
    '[controller]\n\nDelay = 5 seconds\n',
    /^.*gatewayd\.ini:3: \[controller\] Delay: "5 seconds" is not a duration \(e\.g\. 5s, 500ms\)$/,
  );
});

void test('a bad enum is an error listing the choices', () => {
  rejects(
    '[log]\nLevel = LOUD\n',
    /gatewayd\.ini:2: \[log\] Level: "LOUD" is not one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL/,
  );
  rejects(
    '[database]\nType = postgresql\n',
    /:2: \[database\] Type: "postgresql" is not one of sqlite, mysql/,
  );
});

void test('bad strings: syslog, a host with a port, empty required values', () => {
  rejects('[log]\nLogTo = syslog\n', /:2: \[log\] LogTo: syslog is not supported/);
  rejects(
    '[admin]\nHost = 0.0.0.0:8080\n',
    /:2: \[admin\] Host: "0\.0\.0\.0:8080" must be a host or IP without port/,
  );
  rejects('[global]\nGatewayName =\n', /:2: \[global\] GatewayName: must not be empty/);
});

void test('a syntax error exits with the bad-file code', () => {
  rejects(
    '[admin]\nPort 8080\n',
    /gatewayd\.ini:2: \[admin\]: cannot parse "Port 8080"/,
    ExitCode.badConfigFile,
  );
});

void test('a missing file is a bad-file error naming it', () => {
  const dir = tempDir();
  const err = configError(() => loadConfig({ file: join(dir, 'nope.ini'), env: {} }));
  assert.equal(err.exitCode, ExitCode.badConfigFile);
  assert.match(err.message, /nope\.ini: cannot read the configuration: no such file/);
});

void test('every problem is reported at once, one per line', () => {
  const err = configError(() =>
    load('[admin]\nPort = x\n[controller]\nDelay = soon\n[nope]\n', { WAARP_GATEWAY_MAX_IN: '-1' }),
  );
  assert.equal(err.problems.length, 4);
  const lines = err.message.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0] ?? '', /gatewayd\.ini:2: \[admin\] Port: "x" is not an integer/);
  assert.match(lines[1] ?? '', /gatewayd\.ini:4: \[controller\] Delay: "soon" is not a duration/);
  assert.match(lines[2] ?? '', /gatewayd\.ini:5: \[nope\]: unknown section/);
  assert.match(
    lines[3] ?? '',
    /environment: WAARP_GATEWAY_MAX_IN \[controller\] MaxTransferIn: -1 is out of range/,
  );
  assert.deepEqual(
    err.problems.map((p) => p.line),
    [2, 4, 5, undefined],
  );
});

void test('keys that span several settings are checked together', () => {
  rejects('[admin]\nTLSCert = a.crt\n', /gatewayd\.ini:2: \[admin\] TLSCert: TLSKey must be set too/);
  rejects('[database]\nType = mysql\n', /gatewayd\.ini:2: \[database\] Type: mysql needs \[database\] Name/);
  rejects(
    '[cluster]\nNodeTimeout = 1s\n',
    /gatewayd\.ini:2: \[cluster\] NodeTimeout: must be longer than HeartbeatInterval/,
  );
  rejects(
    '[database]\nType = mysql\nName = x\nAddress = db:notaport\n',
    /:4: \[database\] Address: "db:notaport" is not host\[:port\]/,
  );
});

void test('environment variables override the file', () => {
  const { dir, config, warnings } = load('[admin]\nPort = 1\n[controller]\nDelay = 1s\n', {
    WAARP_GATEWAY_NAME: 'from-env',
    WAARP_GATEWAY_HOME: 'home',
    WAARP_GATEWAY_ADMIN_ADDRESS: '0.0.0.0',
    WAARP_GATEWAY_ADMIN_PORT: '2',
    WAARP_GATEWAY_LOG_LEVEL: 'debug',
    WAARP_GATEWAY_DB_PASSWORD: 'pw;#',
    WAARP_GATEWAY_CONTROLLER_DELAY: '250ms',
    WAARP_GATEWAY_TRUSTED_PROXIES: '172.16.0.0/12',
    WAARP_GATEWAY_MAX_OUT: '',
  });
  assert.deepEqual(warnings, []);
  assert.equal(config.global.gatewayName, 'from-env');
  assert.equal(config.paths.gatewayHome, join(dir, 'home'));
  assert.equal(config.admin.host, '0.0.0.0');
  assert.equal(config.admin.port, 2);
  assert.equal(config.log.level, 'debug');
  assert.equal(config.database.password, 'pw;#');
  assert.equal(config.controller.delayMs, 250);
  assert.equal(config.controller.maxTransferOut, 0, 'an empty variable counts as unset');
  assert.deepEqual(config.admin.trustedProxies, ['172.16.0.0/12']);
});

void test('a bad environment value is an error naming the variable', () => {
  const err = configError(() => load('', { WAARP_GATEWAY_NODE_TIMEOUT: '5' }));
  assert.equal(err.problems[0]?.variable, 'WAARP_GATEWAY_NODE_TIMEOUT');
  assert.equal(
    err.message,
    'environment: WAARP_GATEWAY_NODE_TIMEOUT [cluster] NodeTimeout: "5" is not a duration (e.g. 5s, 500ms)',
  );
});

void test('an unknown WAARP_GATEWAY_ variable is a warning, not an error; the CLI variables are known', () => {
  const { warnings } = load('', {
    WAARP_GATEWAY_ADMIN_PROT: '1',
    WAARP_GATEWAY_CONFIG: 'x',
    OTHER: 'y',
    // The CLI's own, often exported in the shell that starts the daemon.
    WAARP_GATEWAY_ADDRESS: 'http://127.0.0.1:8080',
    WAARP_GATEWAY_PASSWORD: 'x',
    WAARP_GATEWAY_INSECURE: '1',
  });
  assert.deepEqual(warnings, [
    'environment: WAARP_GATEWAY_ADMIN_PROT is not a variable of waarp-gatewayd; ignored',
  ]);
});

void test('a _FILE variable reads the value from a file (Docker and Kubernetes secrets)', () => {
  const secrets = tempDir({ 'db-password': 'from;file#\n', 'admin-password': 'a\n' });
  const { config, warnings } = load('[database]\nType = sqlite\nPassword = in-file\n', {
    WAARP_GATEWAY_DB_PASSWORD_FILE: join(secrets, 'db-password'),
    WAARP_GATEWAY_ADMIN_PASSWORD_FILE: join(secrets, 'admin-password'),
  });
  assert.deepEqual(warnings, [], 'both are variables of waarp-gatewayd');
  assert.equal(config.database.password, 'from;file#', 'the final newline is not part of it');

  const both = configError(() =>
    load('[database]\nType = sqlite\n', {
      WAARP_GATEWAY_DB_PASSWORD: 'x',
      WAARP_GATEWAY_DB_PASSWORD_FILE: join(secrets, 'db-password'),
    }),
  );
  assert.equal(
    both.message,
    'environment: WAARP_GATEWAY_DB_PASSWORD_FILE [database] Password: WAARP_GATEWAY_DB_PASSWORD is set too: set one of them',
  );
  const missing = configError(() =>
    load('[database]\nType = sqlite\n', { WAARP_GATEWAY_DB_PASSWORD_FILE: join(secrets, 'nope') }),
  );
  assert.equal(
    missing.message,
    `environment: WAARP_GATEWAY_DB_PASSWORD_FILE [database] Password: cannot read ${join(secrets, 'nope')}: no such file`,
  );
});

void test('the instance comes from -i, else WAARP_GATEWAY_NODE_ID, and must be a plain name', () => {
  const files = {
    'gatewayd.ini': '[database]\nType = sqlite\n',
    'n1.ini': '[Address Indirection]\nIndirectAddress = a -> b\n',
  };
  const dir = tempDir(files);
  const file = join(dir, 'gatewayd.ini');
  const fromEnv = loadConfig({ file, env: { WAARP_GATEWAY_NODE_ID: 'n1' } });
  assert.equal(fromEnv.config.instance, 'n1');
  assert.equal(fromEnv.config.indirection.resolve('a:22'), 'b:22');
  assert.equal(fromEnv.config.indirection.file, join(dir, 'n1.ini'));
  const fromFlag = loadConfig({ file, instance: 'n2', env: { WAARP_GATEWAY_NODE_ID: 'n1' } });
  assert.equal(fromFlag.config.instance, 'n2');

  const err = configError(() => loadConfig({ file, instance: '../etc/passwd', env: {} }));
  assert.match(err.message, /^-i\/--instance: "\.\.\/etc\/passwd" is not a valid node name/);
  const self = configError(() => loadConfig({ file, instance: 'gatewayd', env: {} }));
  assert.match(self.message, /would make the main configuration its own override file/);
});

void test('a missing override file is a warning, not an error', () => {
  const { config, warnings } = load('', {}, 'node9');
  assert.equal(config.instance, 'node9');
  assert.deepEqual([...config.indirection.entries()], []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /node9\.ini: no override file for node "node9"/);
});

void test('problems of the override file are reported with those of the main file', () => {
  const dir = tempDir({
    'gatewayd.ini': '[admin]\nPort = x\n[database]\nType = sqlite\n',
    'n1.ini': '[Address Indirection]\nIndirectAddress = a:1 -> b\n',
  });
  const err = configError(() => loadConfig({ file: join(dir, 'gatewayd.ini'), instance: 'n1', env: {} }));
  assert.equal(err.problems.length, 2);
  assert.match(err.message, /gatewayd\.ini:2: \[admin\] Port/);
  assert.match(err.message, /n1\.ini:2: \[Address Indirection\] IndirectAddress: target "a:1" has a port/);
});

void test('the database must be chosen: an empty file, or one without [database] Type, is an error', () => {
  for (const text of ['', '[global]\nGatewayName = gw\n', '[database]\nAddress = gw.db\n']) {
    const dir = tempDir({ 'gatewayd.ini': text });
    const err = configError(() => loadConfig({ file: join(dir, 'gatewayd.ini'), env: {} }));
    assert.equal(err.problems.length, 1, err.message);
    assert.match(err.message, /gatewayd\.ini: \[database\] Type: missing: .*"Type = sqlite"/);
  }
  const dir = tempDir({ 'gatewayd.ini': '' });
  const { config } = loadConfig({
    file: join(dir, 'gatewayd.ini'),
    env: { WAARP_GATEWAY_DB_TYPE: 'sqlite' },
  });
  assert.equal(config.database.type, 'sqlite', 'the environment may choose it');
});

void test('bytes that are not UTF-8 are an error naming their line', () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'gatewayd.ini'),
    Buffer.from('[database]\nType = sqlite\n[global]\nGatewayName = caf\xe9\n', 'latin1'),
  );
  const err = configError(() => loadConfig({ file: join(dir, 'gatewayd.ini'), env: {} }));
  assert.equal(err.exitCode, ExitCode.badConfigFile);
  assert.match(err.message, /gatewayd\.ini:4: this line is not valid UTF-8 text/);
});

void test('a file of junk lists its first problems and counts the others', () => {
  const junk = Array.from({ length: 5000 }, (_, i) => `junk ${i}`).join('\n');
  const err = configError(() => load(`[global]\n${junk}\n`));
  assert.equal(err.problems.length, 5000);
  const lines = err.message.split('\n');
  assert.equal(lines.length, 51);
  assert.match(lines[0] ?? '', /gatewayd\.ini:2: \[global\]: cannot parse "junk 0"/);
  assert.equal(lines[50], '… and 4950 more problems (5000 in all)');
});

void test('the policy settings: password length, and the allow-lists of absolute paths', () => {
  const { config } = load(
    '[security]\nMinPasswordLength = 16\nAllowedPrograms = /opt/mft/bin/notify\nAllowedDirectories = /srv/a, /srv/b/\n',
  );
  assert.equal(config.security.minPasswordLength, 16);
  assert.deepEqual(config.security.allowedPrograms, ['/opt/mft/bin/notify']);
  assert.deepEqual(config.security.allowedDirectories, ['/srv/a', '/srv/b']);
  rejects(
    '[security]\nAllowedDirectories = srv/a\n',
    /:2: \[security\] AllowedDirectories: "srv\/a" is not an absolute path/,
  );
  assert.equal(load('').config.security.minPasswordLength, 12);
});
