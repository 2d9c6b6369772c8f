import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from '../admin/harness.js';
import { adminPassword, startHarness, tlsFixture } from '../admin/harness.js';
import type { CliResult } from './helpers.js';
import { closedPort, runCli, withCredentials } from './helpers.js';
import { generateEd25519KeyPair } from '../../../src/crypto/ssh-keygen.js';

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('waarp-gateway CLI', () => {
  let h: AdminHarness;
  let address: string;
  const cli = (...args: string[]): Promise<CliResult> => runCli(args, { WAARP_GATEWAY_ADDRESS: address });

  before(async () => {
    h = await startHarness();
    address = withCredentials(h.url, 'admin', adminPassword);
  });
  after(async () => {
    await h.close();
  });

  describe('without a server', () => {
    it('prints its version', async () => {
      const r = await runCli(['version']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^waarp-gateway \d+\.\d+\.\d+/);
    });

    it('exits 2 with the usage for no command, an unknown command or a bad option', async () => {
      const none = await runCli([]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /usage: waarp-gateway COMMAND/);
      const unknown = await runCli(['teleport']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown command "teleport"/);
      const option = await cli('server', 'list', '--colour');
      assert.equal(option.code, 2);
      assert.match(option.stderr, /--colour/);
      const missing = await cli('rule', 'get', 'only-a-name');
      assert.equal(missing.code, 2);
    });

    it('prints help for any command with -h (exit 0)', async () => {
      const r = await runCli(['transfer', 'add', '-h']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--file FILE/);
      assert.match(r.stdout, /--way send\|receive/);
    });

    it('shows a group parameter once in the usage, with or without its value (account local <server>)', async () => {
      for (const args of [
        ['account', 'local', '-h'],
        ['account', 'local', 'sftp', '-h'],
        ['-h', 'account', 'local', 'sftp'],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^usage: waarp-gateway account local <server> COMMAND$/m, args.join(' '));
      }
      const missing = await runCli(['account', 'remote', 'acme']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^usage: waarp-gateway account remote <partner> COMMAND$/m);
    });

    it('exits 2 when no address is given', async () => {
      const r = await runCli(['server', 'list']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /WAARP_GATEWAY_ADDRESS/);
    });

    it('exits 8 with a clear message when the connection is refused', async () => {
      const port = await closedPort();
      const r = await runCli(['server', 'list'], {
        WAARP_GATEWAY_ADDRESS: `http://admin:x@127.0.0.1:${port}`,
      });
      assert.equal(r.code, 8);
      assert.match(r.stderr, /connection refused/);
    });
  });

  describe('errors from the server', () => {
    it('exits 6 on 401', async () => {
      const r = await runCli(['server', 'list'], {
        WAARP_GATEWAY_ADDRESS: withCredentials(h.url, 'admin', 'wrong'),
      });
      assert.equal(r.code, 6);
      assert.match(r.stderr, /401.*invalid username or password/);
    });

    it('exits 7 on 403, showing the missing permission', async () => {
      await h.addUser('reader', { servers: 'r--' });
      const r = await runCli(['user', 'list'], {
        WAARP_GATEWAY_ADDRESS: withCredentials(h.url, 'reader', 'reader-password'),
      });
      assert.equal(r.code, 7);
      assert.match(r.stderr, /permission on "users"/);
    });

    it('exits 3 on 404', async () => {
      const r = await cli('server', 'get', 'nope');
      assert.equal(r.code, 3);
      assert.match(r.stderr, /server "nope" not found/);
    });

    it("exits 5 on 400, showing the server's message", async () => {
      const r = await cli('server', 'add', '-n', 'bad', '-p', 'sftp', '-a', 'nowhere');
      assert.equal(r.code, 5);
      assert.match(r.stderr, /field "address" must be an address/);
    });

    it('exits 4 on 409', async () => {
      assert.equal((await cli('partner', 'add', '-n', 'dup', '-p', 'sftp', '-a', 'h:22')).code, 0);
      const r = await cli('partner', 'add', '-n', 'dup', '-p', 'sftp', '-a', 'h:22');
      assert.equal(r.code, 4);
      assert.match(r.stderr, /409/);
    });

    it('exits 9 on 501 (override routes of a node without an instance name)', async () => {
      const r = await cli('override', 'address', 'list');
      assert.equal(r.code, 9);
    });
  });

  describe('resources', () => {
    it('status shows the node', async () => {
      h.ctx.services.set('Admin', 'Running');
      const r = await cli('status');
      assert.equal(r.code, 0);
      assert.match(r.stdout, /\[Running\] Admin/);
      const j = json<{ nodeName: string; version: string }>(await cli('--format', 'json', 'status'));
      assert.equal(j.version, '9.9.9-test');
    });

    it('server add/get/list/update/enable/disable and credentials', async () => {
      const add = await cli(
        'server',
        'add',
        '-n',
        'sftp1',
        '-p',
        'sftp',
        '-a',
        '0.0.0.0:2222',
        '--root-dir',
        'r',
        '-c',
        'keyExchanges:["curve25519-sha256"]',
      );
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, /The server "sftp1" was successfully added/);
      const got = json<{ name: string; receiveDir: string; protoConfig: object }>(
        await cli('server', 'get', 'sftp1', '--format', 'json'),
      );
      assert.equal(got.receiveDir, 'in');
      assert.deepEqual(got.protoConfig, { keyExchanges: ['curve25519-sha256'] });
      const human = await cli('server', 'get', 'sftp1');
      assert.match(human.stdout, /== Server "sftp1" ==/);
      assert.match(human.stdout, /Address:\s+0\.0\.0\.0:2222/);
      assert.equal((await cli('server', 'update', 'sftp1', '-a', '0.0.0.0:2223')).code, 0);
      assert.equal((await cli('server', 'disable', 'sftp1')).code, 0);
      const list = json<{ servers: { name: string; address: string; enabled: boolean }[] }>(
        await cli('--format', 'json', 'server', 'list'),
      );
      assert.deepEqual(
        list.servers.map((s) => [s.name, s.address, s.enabled]),
        [['sftp1', '0.0.0.0:2223', false]],
      );
      assert.equal((await cli('server', 'enable', 'sftp1')).code, 0);

      const key = generateEd25519KeyPair();
      const keyFile = join(h.home, 'host_key');
      writeFileSync(keyFile, key.private);
      const cred = await cli(
        'server',
        'credential',
        'sftp1',
        'add',
        '-n',
        'hostkey',
        '-t',
        'ssh_private_key',
        '-v',
        keyFile,
      );
      assert.equal(cred.code, 0, cred.stderr);
      const shown = json<{ value: string }>(
        await cli('server', 'credential', 'sftp1', 'get', 'hostkey', '--format', 'json'),
      );
      assert.equal(shown.value, key.public);
      assert.equal((await cli('server', 'credential', 'sftp1', 'delete', 'hostkey')).code, 0);
      assert.equal((await cli('server', 'credential', 'sftp1', 'get', 'hostkey')).code, 3);
    });

    it('account local add/get/list/credential/authorize', async () => {
      assert.equal((await cli('rule', 'add', '-n', 'in', '-d', 'receive')).code, 0);
      const add = await cli(
        'account',
        'local',
        'sftp1',
        'add',
        '-l',
        'bob',
        '-p',
        'bob-password-1',
        '-i',
        '10.0.0.1',
        '-i',
        '10.1.0.0/16',
      );
      assert.equal(add.code, 0, add.stderr);
      const bob = json<{ ipAddresses: string[]; credentials: string[] }>(
        await cli('--format', 'json', 'account', 'local', 'sftp1', 'get', 'bob'),
      );
      assert.deepEqual(bob.ipAddresses, ['10.0.0.1', '10.1.0.0/16']);
      assert.deepEqual(bob.credentials, ['password']);
      const pub = generateEd25519KeyPair().public;
      assert.equal(
        (
          await cli(
            'account',
            'local',
            'sftp1',
            'credential',
            'bob',
            'add',
            '-t',
            'ssh_public_key',
            '-n',
            'k',
            '-v',
            pub,
          )
        ).code,
        0,
      );
      const auth = await cli('account', 'local', 'sftp1', 'authorize', 'bob', 'in', 'receive');
      assert.equal(auth.code, 0, auth.stderr);
      assert.match(auth.stdout, /authorized/);
      const list = json<{
        localAccounts: { login: string; credentials: string[]; authorizedRules: { reception: string[] } }[];
      }>(await cli('--format', 'json', 'account', 'local', 'sftp1', 'list'));
      assert.deepEqual(
        list.localAccounts.map((a) => [a.login, a.credentials, a.authorizedRules.reception]),
        [['bob', ['password', 'k'], ['in']]],
      );
      assert.equal((await cli('account', 'local', 'nope', 'list')).code, 3);
    });

    it('partner and account remote', async () => {
      assert.equal((await cli('partner', 'add', '-n', 'acme', '-p', 'sftp', '-a', '127.0.0.1:2022')).code, 0);
      assert.equal((await cli('account', 'remote', 'acme', 'add', '-l', 'gw', '-p', 'secret')).code, 0);
      const acc = json<{ login: string; credentials: string[] }>(
        await cli('--format', 'json', 'account', 'remote', 'acme', 'get', 'gw'),
      );
      assert.deepEqual(acc, {
        login: 'gw',
        credentials: ['password'],
        authorizedRules: { sending: [], reception: [] },
      });
      const p = await cli('partner', 'get', 'acme');
      assert.match(p.stdout, /== Partner "acme" ==/);
      assert.equal((await cli('partner', 'delete', 'dup')).code, 0);
    });

    it('client add/list/disable', async () => {
      assert.equal(
        (
          await cli(
            'client',
            'add',
            '-n',
            'sftp',
            '-p',
            'sftp',
            '--nb-of-attempts',
            '3',
            '--first-retry-delay',
            '10',
          )
        ).code,
        0,
      );
      assert.equal((await cli('client', 'disable', 'sftp')).code, 0);
      const list = json<{ clients: { name: string; enabled: boolean; nbOfAttempts: number }[] }>(
        await cli('--format', 'json', 'client', 'list'),
      );
      assert.deepEqual(
        list.clients.map((c) => [c.name, c.enabled, c.nbOfAttempts]),
        [['sftp', false, 3]],
      );
      assert.equal((await cli('client', 'enable', 'sftp')).code, 0);
    });

    it('rule add with tasks, get, update, allow', async () => {
      const add = await cli(
        'rule',
        'add',
        '-n',
        'push',
        '-d',
        'send',
        '-p',
        '/out/push',
        '--pre',
        '{"type":"COPY","args":{"path":"/backup"}}',
        '--post',
        '{"type":"DELETE"}',
      );
      assert.equal(add.code, 0, add.stderr);
      const rule = json<{ path: string; preTasks: unknown[]; postTasks: unknown[] }>(
        await cli('rule', 'get', 'push', 'send', '--format', 'json'),
      );
      assert.equal(rule.path, 'out/push');
      assert.deepEqual(rule.preTasks, [{ type: 'COPY', args: { path: '/backup' } }]);
      assert.deepEqual(rule.postTasks, [{ type: 'DELETE', args: {} }]);
      const bad = await cli('rule', 'add', '-n', 'x', '-d', 'send', '--pre', '{"type":"TELEPORT"}');
      assert.equal(bad.code, 5);
      assert.match(bad.stderr, /unknown task type "TELEPORT"/);
      const notJson = await cli('rule', 'add', '-n', 'x', '-d', 'send', '--pre', 'COPY');
      assert.equal(notJson.code, 2);
      assert.equal((await cli('rule', 'update', 'push', 'send', '-c', 'outgoing')).code, 0);
      assert.equal((await cli('rule', 'allow', 'push', 'send')).code, 0);
      const human = await cli('rule', 'get', 'push', 'send');
      assert.match(human.stdout, /Comment:\s+outgoing/);
      assert.match(human.stdout, /open to everyone/);
      assert.equal((await cli('rule', 'get', 'push', 'sideways')).code, 2);
    });

    it('transfer add/get/list/pause/resume/cancel/retry/cancel-all and history', async () => {
      const add = await cli(
        '--format',
        'json',
        'transfer',
        'add',
        '-f',
        'data/report.csv',
        '-w',
        'send',
        '-p',
        'acme',
        '-l',
        'gw',
        '-r',
        'push',
        '-d',
        '2035-01-01T00:00:00Z',
        '-i',
        'ref:42',
      );
      const t = json<{
        id: number;
        status: string;
        client: string;
        destFilename: string;
        transferInfo: object;
        remainingAttempts: number;
      }>(add);
      assert.equal(t.status, 'PLANNED');
      assert.equal(t.client, 'sftp');
      assert.equal(t.destFilename, 'report.csv');
      assert.equal(t.remainingAttempts, 3);
      assert.deepEqual(t.transferInfo, { ref: 42 });
      const human = await cli('transfer', 'get', String(t.id));
      assert.match(human.stdout, new RegExp(`== Transfer ${t.id} ==`));
      assert.match(human.stdout, /Status:\s+PLANNED/);
      assert.equal((await cli('transfer', 'pause', String(t.id))).code, 0);
      const paused = json<{ transfers: { id: number; status: string }[] }>(
        await cli('--format', 'json', 'transfer', 'list', '-t', 'PAUSED'),
      );
      assert.deepEqual(
        paused.transfers.map((x) => [x.id, x.status]),
        [[t.id, 'PAUSED']],
      );
      assert.equal((await cli('transfer', 'pause', String(t.id))).code, 5);
      assert.equal((await cli('transfer', 'resume', String(t.id))).code, 0);
      const cancel = await cli('transfer', 'cancel', String(t.id));
      assert.equal(cancel.code, 0);
      assert.match(cancel.stdout, /cancelled/);
      const hist = json<{ status: string }>(await cli('--format', 'json', 'history', 'get', String(t.id)));
      assert.equal(hist.status, 'CANCELLED');
      const histList = json<{ history: { id: number }[] }>(
        await cli('--format', 'json', 'history', 'list', '-t', 'CANCELLED'),
      );
      assert.ok(histList.history.some((x) => x.id === t.id));
      const retry = json<{ id: number; start: string }>(
        await cli('--format', 'json', 'transfer', 'retry', String(t.id), '-d', '2036-01-01T00:00:00Z'),
      );
      assert.notEqual(retry.id, t.id);
      assert.equal(retry.start, '2036-01-01T00:00:00.000Z');
      const all = json<{ cancelled: number }>(
        await cli('--format', 'json', 'transfer', 'cancel-all', '-t', 'planned'),
      );
      assert.equal(all.cancelled, 1);
      assert.equal((await cli('transfer', 'cancel-all', '-t', 'bogus')).code, 5);
      assert.equal((await cli('transfer', 'get', '999999')).code, 3);
      const missing = await cli('transfer', 'add', '-f', 'x', '-w', 'send', '-p', 'acme', '-l', 'gw');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--rule is required/);
    });

    it('user add/get/update/delete with rights', async () => {
      assert.equal(
        (await cli('user', 'add', '-u', 'ops', '-p', 'ops-password', '-r', 'T=rw-,S=r--,rules=r')).code,
        0,
      );
      const u = json<{ perms: Record<string, string> }>(await cli('--format', 'json', 'user', 'get', 'ops'));
      assert.deepEqual(u.perms, {
        transfers: 'rw-',
        servers: 'r--',
        partners: '---',
        rules: 'r--',
        users: '---',
        administration: '---',
      });
      assert.equal((await cli('user', 'update', 'ops', '-r', 'T-w,U+r')).code, 0);
      const v = json<{ perms: Record<string, string> }>(await cli('--format', 'json', 'user', 'get', 'ops'));
      assert.deepEqual([v.perms.transfers, v.perms.users], ['r--', 'r--']);
      // Credentials in the environment, never on the command line.
      const asOps = (password: string, ...args: string[]) =>
        runCli(args, { WAARP_GATEWAY_ADDRESS: withCredentials(h.url, 'ops', password) });
      const list = await asOps('ops-password', 'user', 'list');
      assert.equal(list.code, 0, list.stderr);
      // Every user changes its own password, whatever its rights.
      const changed = await asOps('ops-password', 'user', 'password', '-p', 'ops-new-password');
      assert.equal(changed.code, 0, changed.stderr);
      const relisted = await asOps('ops-new-password', 'user', 'list');
      assert.equal(relisted.code, 0, relisted.stderr);
      assert.equal((await cli('user', 'add', '-u', 'x', '-p', 'y', '-r', 'Q=rw')).code, 2);
      assert.equal((await cli('user', 'delete', 'ops')).code, 0);
      const last = await cli('user', 'delete', 'admin');
      assert.equal(last.code, 5);
      assert.match(last.stderr, /last user/);
    });

    it('cluster nodes lists the registered nodes', async () => {
      await h.ctx.stores.nodes.register(
        {
          name: 'gw-1',
          state: 'running',
          version: '1',
          schemaVersion: 1,
          host: 'h1',
          pid: 1,
          incarnation: 'i',
          adminAddress: 'a',
          clockOffsetMs: -12,
        },
        5000,
      );
      const r = json<{ nodes: { name: string; alive: boolean }[] }>(
        await cli('--format', 'json', 'cluster', 'nodes'),
      );
      assert.deepEqual(
        r.nodes.map((n) => [n.name, n.alive]),
        [['gw-1', true]],
      );
      const human = await cli('cluster', 'nodes');
      assert.match(human.stdout, /== Node "gw-1" ==/);
      assert.match(human.stdout, /Clock offset: +-12 ms/);
    });
  });
});

describe('waarp-gateway override address on a named node', () => {
  let h: AdminHarness;
  let address: string;
  before(async () => {
    h = await startHarness({ instance: 'gw-2' });
    address = withCredentials(h.url, 'admin', adminPassword);
  });
  after(async () => {
    await h.close();
  });

  it('sets, lists and deletes indirections', async () => {
    const env = { WAARP_GATEWAY_ADDRESS: address };
    const set = await runCli(
      ['override', 'address', 'set', '-t', 'sftp.example.com:22', '-r', '127.0.0.1:2222'],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    const list = await runCli(['override', 'address', 'list'], env);
    assert.match(list.stdout, /sftp\.example\.com:22 -> 127\.0\.0\.1:2222/);
    const j = await runCli(['--format', 'json', 'override', 'address', 'list'], env);
    assert.deepEqual(JSON.parse(j.stdout), { 'sftp.example.com:22': '127.0.0.1:2222' });
    assert.equal((await runCli(['override', 'address', 'delete', 'sftp.example.com:22'], env)).code, 0);
    assert.equal((await runCli(['override', 'address', 'delete', 'sftp.example.com:22'], env)).code, 3);
    const bad = await runCli(['override', 'address', 'set', '-t', 'example.com', '-r', '8.8.8.8:80'], env);
    assert.equal(bad.code, 5);
  });
});

describe('waarp-gateway against an HTTPS admin API', () => {
  let h: AdminHarness;
  let address: string;
  before(async () => {
    h = await startHarness({ tls: true });
    address = withCredentials(h.url, 'admin', adminPassword);
  });
  after(async () => {
    await h.close();
  });

  it('refuses an unknown certificate (exit 8) and names --insecure', async () => {
    const r = await runCli(['status'], { WAARP_GATEWAY_ADDRESS: address });
    assert.equal(r.code, 8);
    assert.match(r.stderr, /TLS error.*--insecure/);
  });

  it('works with --insecure, or with the CA trusted', async () => {
    const insecure = await runCli(['--insecure', '--format', 'json', 'status'], {
      WAARP_GATEWAY_ADDRESS: address,
    });
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.equal((JSON.parse(insecure.stdout) as { version: string }).version, '9.9.9-test');
    assert.doesNotMatch(insecure.stderr, /Warning/);
    const trusted = await runCli(['status'], {
      WAARP_GATEWAY_ADDRESS: address,
      NODE_EXTRA_CA_CERTS: tlsFixture.cert,
    });
    assert.equal(trusted.code, 0, trusted.stderr);
  });
});
