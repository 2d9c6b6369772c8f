/**
 * Migrating from Waarp Gateway (#21): its export, as its exporter writes it (fixtures in
 * test/fixtures/import, written from pkg/backup/file/file.go and pkg/backup/*-export.go of
 * 0.16, and of 0.4 for the deprecated fields), imports unchanged; passwords keep working over
 * SFTP (OpenSSH's client) and REST; export → import round-trips; targets, reset, unsupported
 * objects and the history. On SQLite, and on MariaDB in the MySQL tier (WAARP_TEST_DB=mysql).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportConfiguration } from '../../../src/backup/export.js';
import { loadConfig } from '../../../src/config/load.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { verifyPassword } from '../../../src/crypto/passwords.js';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { runExport, runExportHistory, runRestoreHistory } from '../../../src/daemon/backup-commands.js';
import type { ImportReport } from '../../../src/daemon/import.js';
import { readImportFile, runImport } from '../../../src/daemon/import.js';
import { HistoryStore } from '../../../src/db/stores/history.js';
import { createStores } from '../../../src/db/stores/index.js';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { applyPermissions } from '../../../src/model/permissions.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import { freePort } from '../../support/sshd.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir } from '../../support/tmp.js';
import { waitFor } from '../client/helpers.js';
import type { FixtureKeys } from './helpers.js';
import {
  aliceHash,
  configOn,
  daemon,
  fixturePath,
  makeKeys,
  materialize,
  originalPasswords,
  sftpWithPassword,
  supervisorHash,
} from './helpers.js';
import { rule as ruleInput, sftpServer } from '../../support/declare.js';

const owner = 'test-gateway';
const log = silentLogger();

/** A fresh database with its gatewayd.ini, closed after the suite. */
async function freshGateway(): Promise<{
  db: TestDatabase;
  dir: string;
  file: string;
  config: GatewayConfig;
}> {
  const db = await openTestDatabase(testDbKind());
  const dir = await makeTempDir('import-ref');
  return { db, dir, ...configOn(db, dir, owner) };
}

async function exported(db: TestDatabase, aesKeyFile: string): Promise<unknown> {
  return JSON.parse(
    JSON.stringify(await exportConfiguration(db, owner, SecretBox.fromKeyFile(aesKeyFile))),
  ) as unknown;
}

describe(`migrating from Waarp Gateway: its export imports unchanged (${testDbKind()})`, () => {
  let g: StartedGateway;
  let dir: string;
  let keys: FixtureKeys;
  let port: number;
  let report: ImportReport;
  const opened: TestDatabase[] = [];

  before(async () => {
    dir = await makeTempDir('import-ref-main');
    keys = makeKeys();
    port = await freePort();
    g = await startGateway();
    const source = materialize('reference-0.16-sftp.json', dir, {
      ...keys,
      SFTP_ADDRESS: `127.0.0.1:${port}`,
    });
    // The running gateway's own configuration: what an operator would pass with -c.
    const { config } = configOnGateway(g);
    report = await runImport(config, log, { source });
  });
  after(async () => {
    await g.stop();
    for (const db of opened) await db.close();
  });

  function configOnGateway(gw: StartedGateway): { config: GatewayConfig } {
    return { config: loadConfig({ file: gw.configFile, env: {} }).config };
  }

  it('creates every object of the file, with the secrets as the reference stored them', async () => {
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(report.kept, []);
    assert.deepEqual([...report.created].sort(), [
      'client "sftp-client"',
      'credential "alice-laptop" of local account "alice" of server "sftp-server"',
      'credential "bank-hostkey" of partner "partner-bank"',
      'credential "gateway-key" of remote account "gateway" of partner "partner-bank"',
      'credential "password" of remote account "gateway" of partner "partner-bank"',
      'credential "sftp-hostkey" of server "sftp-server"',
      'local account "alice" of server "sftp-server"',
      'partner "partner-bank"',
      'receive rule "inbox"',
      'remote account "gateway" of partner "partner-bank"',
      'send rule "to-bank"',
      'server "sftp-server"',
      'user "supervisor"',
    ]);
    const stores = createStores(g.node.ctx.stores.db, owner);
    const secrets = g.node.ctx.secrets;
    const server = await stores.servers.get('sftp-server');
    assert.deepEqual(
      [server?.rootDir, server?.receiveDir, server?.sendDir, server?.tmpReceiveDir, server?.enabled],
      ['sftp-root', 'in', 'out', 'tmp', true],
    );
    const host = await stores.credentials.get({ kind: 'server', id: server!.id }, 'sftp-hostkey');
    assert.equal(secrets.decrypt(host!.value), keys.HOST_PRIVATE_KEY);
    const alice = await stores.localAccounts.get(server!.id, 'alice');
    assert.equal(alice?.passwordHash, aliceHash, 'the bcrypt hash is kept as it is, not hashed again');
    const aliceKey = await stores.credentials.get({ kind: 'localAccount', id: alice.id }, 'alice-laptop');
    assert.equal(aliceKey?.value, keys.ALICE_PUBLIC_KEY.split(' ').slice(0, 2).join(' '));

    const partner = await stores.partners.get('partner-bank');
    assert.equal(partner?.address, 'sftp.bank.example:22');
    const pinned = await stores.credentials.list({ kind: 'partner', id: partner.id });
    assert.deepEqual(
      pinned.map((c) => [c.name, c.type]),
      [['bank-hostkey', 'ssh_public_key']],
    );
    const gw = await stores.remoteAccounts.get(partner.id, 'gateway');
    const gwCreds = await stores.credentials.list({ kind: 'remoteAccount', id: gw!.id });
    assert.deepEqual(
      gwCreds.map((c) => [c.name, c.type, secrets.decrypt(c.value)]),
      [
        ['gateway-key', 'ssh_private_key', keys.PARTNER_ACCOUNT_PRIVATE_KEY],
        ['password', 'password', 'partner-secret'],
      ],
    );

    const client = await stores.clients.get('sftp-client');
    assert.deepEqual(
      [client?.nbOfAttempts, client?.firstRetryDelay, client?.retryIncrementFactor, client?.protoConfig],
      [3, 60, 1.5, {}],
    );
    const inbox = await stores.rules.get('inbox', false);
    assert.deepEqual(
      [inbox?.path, inbox?.localDir, inbox?.postTasks],
      ['inbox', 'inbox-files', [{ type: 'COPY', args: { path: 'archive' } }]],
    );
    assert.deepEqual(await stores.rules.access(inbox!.id), [{ kind: 'localAccount', id: alice.id }]);
    const toBank = await stores.rules.get('to-bank', true);
    assert.deepEqual(
      (await stores.rules.access(toBank!.id)).map((t) => t.kind),
      ['partner', 'server'],
    );
    const supervisor = await stores.users.get('supervisor');
    assert.equal(supervisor?.passwordHash, supervisorHash);
  });

  it('imports the YAML export to the same objects as the JSON one', async () => {
    const yaml = await freshGateway();
    opened.push(yaml.db);
    const source = materialize('reference-0.16-sftp.yaml', yaml.dir, {
      ...keys,
      SFTP_ADDRESS: `127.0.0.1:${port}`,
    });
    const r = await runImport(yaml.config, log, { source });
    assert.equal(r.created.length, report.created.length);
    const fromJson = JSON.parse(
      JSON.stringify(await exportConfiguration(g.node.ctx.stores.db, owner, g.node.ctx.secrets)),
    ) as { users: { username: string }[] };
    // The running gateway also has the `admin` it created at its first start.
    fromJson.users = fromJson.users.filter((u) => u.username !== 'admin');
    assert.deepEqual(await exported(yaml.db, yaml.config.database.aesPassphrase), fromJson);
  });

  it('round trip: export, then import into an empty gateway, gives the same configuration (JSON and YAML)', async () => {
    const { config } = configOnGateway(g);
    const original = JSON.parse(
      JSON.stringify(await exportConfiguration(g.node.ctx.stores.db, owner, g.node.ctx.secrets)),
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(original), ['locals', 'clients', 'remotes', 'rules', 'users']);
    for (const name of ['export.json', 'export.yaml']) {
      const file = join(dir, name);
      await runExport(config, log, { file, stdout: process.stdout, targets: ['all'] });
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the export holds secrets: owner only');
      const target = await freshGateway();
      opened.push(target.db);
      const r = await runImport(target.config, log, { source: file });
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(await exported(target.db, target.config.database.aesPassphrase), original, name);
    }
    const yamlText = readFileSync(join(dir, 'export.yaml'), 'utf8');
    assert.match(yamlText, /^# Created on .* by waarp-gatewayd version /);
    // As the reference writes it: the hash twice, each key also in the legacy list, deprecated folders.
    const json = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as {
      locals: {
        root: string;
        certificates: unknown[];
        accounts: { passwordHash: string; credentials: { type: string; value: string }[] }[];
      }[];
      remotes: { accounts: { password: string }[] }[];
    };
    const server = json.locals[0]!;
    assert.equal(server.root, 'sftp-root');
    assert.deepEqual(server.certificates, [{ name: 'sftp-hostkey', privateKey: keys.HOST_PRIVATE_KEY }]);
    assert.equal(server.accounts[0]?.passwordHash, aliceHash);
    assert.deepEqual(server.accounts[0]?.credentials[0], {
      name: 'password',
      type: 'password',
      value: aliceHash,
      value2: '',
    });
    assert.equal(json.remotes[0]?.accounts[0]?.password, 'partner-secret');
  });

  it('--target: export and import subsets', async () => {
    const { config } = configOnGateway(g);
    const file = join(dir, 'rules-and-users.json');
    await runExport(config, log, { file, stdout: process.stdout, targets: ['rules', 'users'] });
    const subset = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown[]>;
    assert.deepEqual(Object.keys(subset), ['rules', 'users']);
    assert.deepEqual(subset.users?.map((u) => (u as { username: string }).username).sort(), [
      'admin',
      'supervisor',
    ]);

    const target = await freshGateway();
    opened.push(target.db);
    const source = materialize('reference-0.16-sftp.json', target.dir, {
      ...keys,
      SFTP_ADDRESS: `127.0.0.1:${port}`,
    });
    const r = await runImport(target.config, log, { source, targets: ['servers', 'users'] });
    assert.deepEqual(
      r.created.filter((c) => !c.startsWith('credential') && !c.startsWith('local account')),
      ['server "sftp-server"', 'user "supervisor"'],
    );
    const stores = createStores(target.db, owner);
    assert.equal((await stores.partners.list()).length, 0);
    assert.equal((await stores.clients.list()).length, 0);
    assert.equal((await stores.rules.list()).length, 0);
  });
  // Logins come last: a successful login upgrades the imported bcrypt hash to scrypt (#15),
  // and the comparisons above are of the configuration as the file brought it.
  it('the migrated local account logs in over SFTP with its original password, and not with the hash', async () => {
    await waitFor('the imported server listening', () =>
      Promise.resolve(g.node.sftpListeners().some((l) => l.port === port) ? true : undefined),
    );
    const good = await sftpWithPassword(dir, port, 'alice', originalPasswords.alice, ['pwd']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Remote working directory: \//);
    const hash = await sftpWithPassword(dir, port, 'alice', aliceHash, ['pwd']);
    assert.notEqual(hash.code, 0, 'the hash itself must not log in');
    assert.match(hash.stderr, /Permission denied/);
    // The login upgraded the reference's bcrypt hash in the background; the password still works.
    const stores = createStores(g.node.ctx.stores.db, owner);
    const upgraded = await waitFor('the bcrypt hash upgraded to scrypt', async () => {
      const server = await stores.servers.get('sftp-server');
      const stored = (await stores.localAccounts.get(server!.id, 'alice'))?.passwordHash;
      return stored?.startsWith('scrypt$') ? stored : undefined;
    });
    assert.equal(await verifyPassword(originalPasswords.alice, upgraded), true);
    const again = await sftpWithPassword(dir, port, 'alice', originalPasswords.alice, ['pwd']);
    assert.equal(again.code, 0, again.stderr);
  });

  it('the migrated user calls the REST API with its original password and has exactly its permissions', async () => {
    const as =
      (password: string) =>
      (path: string, init: RequestInit = {}) =>
        fetch(g.adminUrl + path, {
          ...init,
          headers: {
            authorization: 'Basic ' + Buffer.from(`supervisor:${password}`).toString('base64'),
            'content-type': 'application/json',
          },
        });
    const supervisor = as(originalPasswords.supervisor);
    assert.equal((await as(supervisorHash)('/api/servers')).status, 401, 'the hash is not the password');
    // transfers rw-, servers r--, partners r--, rules rw-, users ---, administration ---
    assert.equal((await supervisor('/api/servers')).status, 200);
    assert.equal((await supervisor('/api/partners')).status, 200);
    assert.equal((await supervisor('/api/rules')).status, 200);
    assert.equal((await supervisor('/api/history')).status, 200);
    assert.equal((await supervisor('/api/users')).status, 403);
    assert.equal(
      (
        await supervisor('/api/servers', {
          method: 'POST',
          body: JSON.stringify({ name: 'x', protocol: 'sftp', address: '127.0.0.1:1' }),
        })
      ).status,
      403,
    );
    const created = await supervisor('/api/rules', {
      method: 'POST',
      body: JSON.stringify({ name: 'by-supervisor', isSend: true, path: 'by-supervisor' }),
    });
    assert.equal(created.status, 201, await created.text());
    assert.equal((await supervisor('/api/rules/by-supervisor/send', { method: 'DELETE' })).status, 403);
    const shown = (await (await g.api('/api/users/supervisor')).json()) as { perms: Record<string, string> };
    assert.deepEqual(shown.perms, {
      transfers: 'rw-',
      servers: 'r--',
      partners: 'r--',
      rules: 'rw-',
      users: '---',
      administration: '---',
    });
    const expected = applyPermissions(0, { transfers: 'rw-', servers: 'r--', partners: 'r--', rules: 'rw-' });
    assert.equal(
      (await createStores(g.node.ctx.stores.db, owner).users.get('supervisor'))?.permissions,
      'mask' in expected ? expected.mask : -1,
    );
    await g.api('/api/rules/by-supervisor/send', { method: 'DELETE' });
  });
});

describe(`import --reset-before-import (${testDbKind()})`, () => {
  let target: Awaited<ReturnType<typeof freshGateway>>;
  let source: string;

  before(async () => {
    target = await freshGateway();
    source = materialize('reference-0.16-sftp.json', target.dir, {
      ...makeKeys(),
      SFTP_ADDRESS: '127.0.0.1:6624',
    });
    await runImport(target.config, log, { source });
    const stores = createStores(target.db, owner);
    await stores.servers.create(sftpServer('not-in-the-file', '127.0.0.1:6625'));
    await stores.partners.create({
      name: 'partner-not-in-the-file',
      protocol: 'sftp',
      address: 'p:22',
      protoConfig: {},
    });
    const server = await stores.servers.get('sftp-server');
    const alice = await stores.localAccounts.get(server!.id, 'alice');
    await stores.localAccounts.update(alice!.id, {
      ...alice!,
      passwordHash: null,
      ipAddresses: ['10.0.0.0/8'],
    });
  });
  after(() => target.db.close());

  const names = async (): Promise<string[]> =>
    (await createStores(target.db, owner).servers.all()).map((s) => s.name).sort();

  it('asks first: anything but YES changes nothing (exit 64)', async () => {
    const run = await daemon(['import', '-c', target.file, '-s', source, '-r', '-t', 'servers'], 'yes\n');
    assert.equal(run.code, ExitCode.usage, run.stderr);
    assert.match(run.stderr, /will first DELETE all the servers of gateway "test-gateway"/);
    assert.match(run.stderr, /import aborted: nothing was changed/);
    assert.deepEqual(await names(), ['not-in-the-file', 'sftp-server']);
  });

  it('with YES: the targeted objects are replaced by the file, the others stay', async () => {
    const run = await daemon(['import', '-c', target.file, '-s', source, '-r', '-t', 'servers'], 'YES\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /deleted first: 2 servers/);
    assert.deepEqual(await names(), ['sftp-server']);
    const stores = createStores(target.db, owner);
    const server = await stores.servers.get('sftp-server');
    const alice = await stores.localAccounts.get(server!.id, 'alice');
    assert.equal(alice?.passwordHash, aliceHash, "the file's account again, not the edited one");
    assert.equal((await stores.partners.get('partner-not-in-the-file'))?.name, 'partner-not-in-the-file');
  });

  it('--yes for scripts, --dry-run changes nothing', async () => {
    const dry = await daemon([
      'import',
      '-c',
      target.file,
      '-s',
      source,
      '-r',
      '--yes',
      '--dry-run',
      '-t',
      'partners',
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /dry run, nothing written/);
    assert.ok(await createStores(target.db, owner).partners.get('partner-not-in-the-file'));
    const run = await daemon([
      'import',
      '-c',
      target.file,
      '-s',
      source,
      '--force-reset-before-import',
      '-t',
      'partners',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await createStores(target.db, owner).partners.get('partner-not-in-the-file'), undefined);
  });

  it('refuses a reset that would leave no user able to manage users', async () => {
    const run = await daemon(['import', '-c', target.file, '-s', source, '-r', '--yes', '-t', 'users']);
    assert.equal(run.code, ExitCode.badConfigValue, run.stderr);
    assert.match(run.stderr, /would leave no user allowed to manage users/);
    assert.ok(await createStores(target.db, owner).users.get('supervisor'), 'rolled back');
  });
});

describe(`an old reference version's export: deprecated fields only (${testDbKind()})`, () => {
  it('maps root/inDir/outDir/workDir, inPath/outPath/workPath, certificates and passwordHash', async () => {
    const t = await freshGateway();
    try {
      const keys = makeKeys();
      const source = materialize('reference-0.4-deprecated.json', t.dir, { ...keys });
      const r = await runImport(t.config, log, { source });
      assert.deepEqual(r.skipped, []);
      const stores = createStores(t.db, owner);
      const secrets = SecretBox.fromKeyFile(t.config.database.aesPassphrase);
      const server = await stores.servers.get('legacy-sftp');
      assert.deepEqual(
        [server?.rootDir, server?.receiveDir, server?.sendDir, server?.tmpReceiveDir],
        ['legacy-root', 'incoming', 'outgoing', 'work'],
      );
      const host = await stores.credentials.get({ kind: 'server', id: server!.id }, 'legacy-hostkey');
      assert.equal(secrets.decrypt(host!.value), keys.HOST_PRIVATE_KEY);
      const bob = await stores.localAccounts.get(server!.id, 'bob');
      assert.equal(await verifyPassword(originalPasswords.bob, bob!.passwordHash!), true);
      assert.ok(await stores.credentials.get({ kind: 'localAccount', id: bob!.id }, 'bob-key'));
      const partner = await stores.partners.get('legacy-partner');
      assert.deepEqual(partner?.protoConfig, {}, 'null configuration is an empty one');
      const login = await stores.remoteAccounts.get(partner.id, 'legacy-login');
      const creds = await stores.credentials.list({ kind: 'remoteAccount', id: login!.id });
      assert.deepEqual(
        creds.map((c) => [c.name, c.type, secrets.decrypt(c.value)]),
        [
          ['legacy-key', 'ssh_private_key', keys.PARTNER_ACCOUNT_PRIVATE_KEY],
          ['password', 'password', 'legacy-secret'],
        ],
      );
      // inPath/outPath by direction, as the reference's importRuleCheckDeprecated.
      const rin = await stores.rules.get('legacy-in', false);
      assert.deepEqual(
        [rin?.path, rin?.localDir, rin?.remoteDir, rin?.tmpLocalRcvDir, rin?.errorTasks],
        ['legacy-in', 'in-path', 'out-path', 'work-path', [{ type: 'DELETE', args: {} }]],
      );
      const rout = await stores.rules.get('legacy-out', true);
      assert.deepEqual([rout?.localDir, rout?.remoteDir], ['local-out', 'remote-in']);
    } finally {
      await t.db.close();
    }
  });
});

describe(`objects this gateway does not implement (${testDbKind()})`, () => {
  const expected = [
    'locals[0]: server "r66-server" (r66) and its 2 accounts: only sftp is implemented here',
    'locals[1].credentials[0]: credential "sftp-ok-cert" (tls_certificate) of server "sftp-ok": TLS certificates are not implemented here (SFTP authenticates with SSH keys)',
    'locals[1].accounts[0].credentials[1]: credential "carol-ca" (trusted_tls_certificate) of local account "carol" of server "sftp-ok": TLS certificates are not implemented here (SFTP authenticates with SSH keys)',
    'remotes[0]: partner "r66-partner" (r66-tls) and its 1 account: only sftp is implemented here',
    'remotes[1]: partner "ftp-partner" (ftp): only sftp is implemented here',
    'clients[0]: client "r66-client" (r66): only sftp is implemented here',
    'rules[0]: send rule "encrypted-out": task ENCRYPT not implemented here',
    'rules[1]: receive rule "r66-only": its access list names only skipped servers or partners: without them it would be open to everyone',
    'rules[2].auth[1]: access "remote::r66-partner::our-r66-login" of receive rule "mixed": names the skipped partner "r66-partner"',
    'clouds: 1 object: cloud storage instances are not implemented here',
    'snmpConfig: server, 1 monitors: SNMP monitoring is not implemented here',
    'authorities: 1 object: certification authorities are not implemented here',
    'cryptoKeys: 1 object: the keys of the ENCRYPT/SIGN tasks are not implemented here',
    'emailConfig: 1 credentials, 1 templates: e-mail notifications are not implemented here',
    'filewatchers: 1 remote: file watchers are not implemented here',
  ];

  it('lists every one of them, and the import refuses the file (exit 2, nothing written)', async () => {
    const t = await freshGateway();
    try {
      const source = fixturePath('reference-0.16-unsupported.json');
      const listed = readImportFile(source, {}).skipped.map((s) => `${s.at}: ${s.what}: ${s.why}`);
      assert.deepEqual([...listed].sort(), [...expected].sort());
      const run = await daemon(['import', '-c', t.file, '-s', source]);
      assert.equal(run.code, ExitCode.badConfigValue, run.stderr);
      assert.match(
        run.stderr,
        /15 object\(s\) of the file are not implemented by this gateway; nothing was imported/,
      );
      for (const line of expected) assert.ok(run.stderr.includes(`  - ${line}`), line);
      assert.match(run.stderr, /Run again with --skip-unsupported/);
      assert.equal((await createStores(t.db, owner).servers.all()).length, 0);
    } finally {
      await t.db.close();
    }
  });

  it('with --skip-unsupported, imports the rest and says what it skipped', async () => {
    const t = await freshGateway();
    try {
      const source = fixturePath('reference-0.16-unsupported.json');
      const run = await daemon(['import', '-c', t.file, '-s', source, '--skip-unsupported']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /skipped \(not implemented here, --skip-unsupported\): 15/);
      const stores = createStores(t.db, owner);
      assert.deepEqual(
        (await stores.servers.all()).map((s) => s.name),
        ['sftp-ok'],
      );
      assert.deepEqual(
        (await stores.clients.list()).map((c) => c.name),
        ['sftp-client'],
      );
      assert.deepEqual((await stores.partners.list()).length, 0);
      assert.deepEqual(
        (await stores.rules.list()).map((r) => r.name),
        ['mixed'],
      );
      const mixed = await stores.rules.get('mixed', false);
      assert.deepEqual(
        (await stores.rules.access(mixed!.id)).map((a) => a.kind),
        ['localAccount'],
      );
      const server = await stores.servers.get('sftp-ok');
      assert.deepEqual(await stores.credentials.list({ kind: 'server', id: server!.id }), []);
      assert.equal((await stores.localAccounts.get(server!.id, 'carol'))?.passwordHash, aliceHash);
      assert.ok(await stores.users.get('auditor'));
    } finally {
      await t.db.close();
    }
  });
});

describe(`transfer history in the reference's format (${testDbKind()})`, () => {
  let t: Awaited<ReturnType<typeof freshGateway>>;
  before(async () => {
    t = await freshGateway();
  });
  after(() => t.db.close());

  it('restore-history restores the entries as they were', async () => {
    const r = await runRestoreHistory(t.config, log, {
      source: fixturePath('reference-history.json'),
      dryRun: false,
    });
    assert.deepEqual(r, { replaced: 0, restored: 3, dryRun: false });
    const stores = createStores(t.db, owner);
    const cancelled = await stores.transfers.getHistory(42);
    assert.deepEqual(
      [
        cancelled?.status,
        cancelled?.step,
        cancelled?.progress,
        cancelled?.errorCode,
        cancelled?.errorDetails,
      ],
      ['CANCELLED', 'StepData', 524288, 'TeCanceled', 'transfer cancelled by user'],
    );
    assert.deepEqual(
      [
        cancelled?.protocol,
        cancelled?.client,
        cancelled?.account,
        cancelled?.agent,
        cancelled?.start,
        cancelled?.stop,
      ],
      [
        'r66-tls',
        'r66-client',
        'our-r66-login',
        'r66-partner',
        Date.parse('2026-11-20T08:00:00Z'),
        Date.parse('2026-11-20T08:02:30.500Z'),
      ],
    );
    const received = await stores.transfers.getHistory(41);
    assert.equal(received?.start, Date.parse('2026-11-20T08:15:02.123Z'), 'to the millisecond');
    assert.deepEqual(received?.info, { __followID__: 1771284635431628800 });
  });

  it('new transfers get ids above the restored ones', async () => {
    await createStores(t.db, owner).rules.create(ruleInput({ name: 'r', isSend: true }));
    const rule = await createStores(t.db, owner).rules.get('r', true);
    const res = await t.db.run(
      `INSERT INTO transfers (owner, remote_transfer_id, rule_id, src_filename, dest_filename, local_path,
        remote_path, filesize, start, status, step, progress, task_number, error_code, error_details,
        remaining_tries, next_retry_delay, retry_increment_factor, info)
        VALUES (?, 'x', ?, 'a', 'a', '/a', '/a', 0, 0, 'PLANNED', 'StepNone', 0, 0, 'TeOk', '', 0, 0, 1, '{}')`,
      [owner, rule!.id],
    );
    assert.ok(res.lastInsertId > 1000, `new id ${res.lastInsertId}`);
    await t.db.run('DELETE FROM transfers WHERE id = ?', [res.lastInsertId]);
  });

  it('export-history writes them back in the same format', async () => {
    const file = join(t.dir, 'history.json');
    assert.equal(await runExportHistory(t.config, log, { file, stdout: process.stdout }), 3);
    const back = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    const original = JSON.parse(readFileSync(fixturePath('reference-history.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    const sameInstant = (a: unknown, b: unknown): boolean =>
      Math.abs(Date.parse(String(a)) - Date.parse(String(b))) < 1;
    assert.equal(back.length, original.length);
    back.forEach((entry, i) => {
      const { start, stop, ...rest } = entry;
      const { start: start0, stop: stop0, ...rest0 } = original[i]!;
      assert.deepEqual(rest, rest0, `entry ${i}`);
      assert.ok(
        sameInstant(start, new Date(Math.floor(Date.parse(String(start0)))).toISOString()),
        `start of entry ${i}`,
      );
      assert.ok(Math.abs(Date.parse(String(stop)) - Date.parse(String(stop0))) < 1, `stop of entry ${i}`);
    });
  });

  it('a restore over an existing history asks first, then replaces it; a bad entry changes nothing', async () => {
    const no = await daemon(
      ['restore-history', '-c', t.file, '-s', fixturePath('reference-history.json')],
      'no\n',
    );
    assert.equal(no.code, ExitCode.usage, no.stderr);
    assert.match(no.stderr, /The 3 entries of the transfer history .* will be DELETED/);
    const bad = join(t.dir, 'bad-history.json');
    const entries = JSON.parse(readFileSync(fixturePath('reference-history.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    writeFileSync(bad, JSON.stringify([entries[0], { ...entries[1], status: 'ERROR' }]));
    const run = await daemon(['restore-history', '-c', t.file, '-s', bad, '--yes']);
    assert.equal(run.code, ExitCode.badConfigValue, run.stderr);
    assert.match(
      run.stderr,
      /restore-history: .*bad-history\.json: \[1\]\.status: "ERROR" is not one of DONE, CANCELLED/,
    );
    assert.equal(await new HistoryStore(t.db, owner).count(), 3, 'unchanged');
    const yes = await daemon(
      ['restore-history', '-c', t.file, '-s', fixturePath('reference-history.json')],
      'YES\n',
    );
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stderr, /history restored: 3 entries \(3 replaced\)/);
  });
});
