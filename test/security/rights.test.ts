/**
 * Finding 2 of #15: rights escalated. A user holding `users:w` gave itself every right and reset
 * the admin's password; a user holding `rules:w` added an EXEC task and set a rule's folder to
 * `/etc` or to GatewayHome, so a partner downloaded `/etc/hostname` and the AES key file. Now a
 * user grants only rights it holds, edits no user holding more than it, programs and folders
 * outside GatewayHome need `administration:w` (or the operator's allow-lists), and no rule or
 * server may expose the gateway's own files, whoever asks and whatever the rule in the database.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StartedGateway } from '../support/gateway.js';
import { startGateway } from '../support/gateway.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { connect, p } from '../integration/sftp/client.js';
import { eventually } from '../integration/sftp/harness.js';
import { addSftpServer, allRights, basic, call } from './helpers.js';

async function addUser(g: StartedGateway, username: string, perms: Record<string, string>): Promise<string> {
  const password = `${username}-long-password`;
  const r = await call(g, 'POST', '/api/users', { username, password, perms });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return basic(username, password);
}

describe('rights that cannot escalate (finding 2)', { timeout: 120_000 }, () => {
  let g: StartedGateway;
  let usersWriter: string;
  let rulesWriter: string;
  let serversWriter: string;
  before(async () => {
    g = await startGateway();
    usersWriter = await addUser(g, 'um', { users: 'rw-' });
    rulesWriter = await addUser(g, 'ru', { rules: 'rw-' });
    serversWriter = await addUser(g, 'su', { servers: 'rw-' });
  });
  after(() => g?.stop());

  it('a users:w user cannot grant rights it does not hold, nor give them to itself', async () => {
    const create = await call(
      g,
      'POST',
      '/api/users',
      { username: 'evil', password: 'evil-long-password', perms: allRights },
      usersWriter,
    );
    assert.equal(create.status, 403);
    assert.match(create.body.error.message, /administration/);
    const self = await call(g, 'PATCH', '/api/users/um', { perms: { administration: '+w' } }, usersWriter);
    assert.equal(self.status, 403);
    const own = await call<{ perms: Record<string, string> }>(g, 'GET', '/api/users/um');
    assert.equal(own.body.perms.administration, '---');
    const subset = await call(
      g,
      'POST',
      '/api/users',
      { username: 'reader', password: 'reader-long-password', perms: { users: 'r--' } },
      usersWriter,
    );
    assert.equal(subset.status, 201);
  });

  it('a users:w user cannot edit, reset or delete a user holding rights it lacks', async () => {
    const reset = await call(g, 'PATCH', '/api/users/admin', { password: 'hijacked-password' }, usersWriter);
    assert.equal(reset.status, 403);
    assert.match(reset.body.error.message, /admin/);
    const del = await call(g, 'DELETE', '/api/users/admin', undefined, usersWriter);
    assert.equal(del.status, 403);
    assert.equal((await call(g, 'GET', '/api/users/admin')).status, 200, 'the admin still logs in');
  });

  it('every user changes its own password, whatever its rights', async () => {
    const nobody = await addUser(g, 'nobody', {});
    const r = await call(g, 'PUT', '/api/me/password', { password: 'nobody-new-password' }, nobody);
    assert.ok(r.status === 200 || r.status === 204 || r.status === 201, `status ${r.status}`);
    assert.equal((await call(g, 'GET', '/api/about', undefined, nobody)).status, 401);
    assert.equal(
      (await call(g, 'GET', '/api/about', undefined, basic('nobody', 'nobody-new-password'))).status,
      200,
    );
  });

  it('a rules:w user cannot run programs (EXEC family)', async () => {
    for (const type of ['EXEC', 'EXECMOVE', 'EXECOUTPUT']) {
      const r = await call(
        g,
        'POST',
        '/api/rules',
        { name: `run-${type}`, isSend: false, postTasks: [{ type, args: { path: '/usr/bin/id' } }] },
        rulesWriter,
      );
      assert.equal(r.status, 403, type);
      assert.match(r.body.error.message, /administration/, type);
    }
  });

  it('a rules:w user cannot point a rule or a file task outside GatewayHome', async () => {
    const dir = await call(
      g,
      'POST',
      '/api/rules',
      { name: 'etc', isSend: true, localDir: '/etc' },
      rulesWriter,
    );
    assert.equal(dir.status, 403);
    assert.match(dir.body.error.message, /localDir/);
    const copy = await call(
      g,
      'POST',
      '/api/rules',
      { name: 'cron', isSend: false, postTasks: [{ type: 'COPY', args: { path: '/etc/cron.d' } }] },
      rulesWriter,
    );
    assert.equal(copy.status, 403);
    const inside = await call(
      g,
      'POST',
      '/api/rules',
      { name: 'inside', isSend: true, localDir: 'outbox' },
      rulesWriter,
    );
    assert.equal(inside.status, 201, JSON.stringify(inside.body));
  });

  it('a servers:w user cannot root a server outside GatewayHome', async () => {
    const r = await call(
      g,
      'POST',
      '/api/servers',
      { name: 'root', protocol: 'sftp', address: '127.0.0.1:1', rootDir: '/' },
      serversWriter,
    );
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /rootDir/);
  });

  it("nobody may expose the gateway's own files: 400 naming the field, even for the admin", async () => {
    for (const [user, auth] of [
      ['ru', rulesWriter],
      ['admin', g.authHeader],
    ] as const) {
      const r = await call(
        g,
        'POST',
        '/api/rules',
        { name: `home-${user}`, isSend: true, localDir: '.' },
        auth,
      );
      assert.equal(r.status, 400, user);
      assert.match(r.body.error.message, /localDir/, user);
      assert.match(r.body.error.message, /passphrase\.aes|gateway\.db/, user);
    }
    const server = await call(g, 'POST', '/api/servers', {
      name: 'home-server',
      protocol: 'sftp',
      address: '127.0.0.1:1',
      rootDir: g.home,
      sendDir: '.',
    });
    assert.equal(server.status, 400);
    assert.match(server.body.error.message, /sendDir/);
  });

  it("refuses at run time a rule already in the database that exposes the gateway's files", async () => {
    const port = await addSftpServer(g);
    assert.equal(
      (
        await call(g, 'POST', '/api/servers/sftp/accounts', {
          login: 'partner',
          password: 'partner-long-password',
        })
      ).status,
      201,
    );
    // As an installation from before the fix may hold it: written straight into the database.
    await g.node.ctx.stores.rules.create({
      name: 'legacy-home',
      isSend: true,
      comment: '',
      path: 'legacy',
      localDir: g.home,
      remoteDir: '',
      tmpLocalRcvDir: '',
      preTasks: [],
      postTasks: [],
      errorTasks: [],
    });
    const c = await eventually(() =>
      connect(port, { username: 'partner', password: 'partner-long-password' }),
    );
    try {
      await assert.rejects(p.readFile(c.sftp, '/legacy/passphrase.aes'));
      await assert.rejects(p.readFile(c.sftp, '/legacy/gateway.db'));
      await assert.rejects(p.readdir(c.sftp, '/legacy'));
    } finally {
      await c.end();
    }
  });
});

describe('the operator allow-lists (finding 2)', { timeout: 60_000 }, () => {
  let g: StartedGateway;
  let outside: string;
  let rulesWriter: string;
  before(async () => {
    outside = await makeTempDir('allowed-outside');
    mkdirSync(join(outside, 'bin'));
    writeFileSync(join(outside, 'bin', 'notify'), '#!/bin/sh\n', { mode: 0o755 });
    g = await startGateway({
      ini: { security: { AllowedDirectories: outside, AllowedPrograms: join(outside, 'bin', 'notify') } },
    });
    rulesWriter = await addUser(g, 'ru', { rules: 'rw-' });
  });
  after(async () => {
    await g?.stop();
    await removeTempDir(outside);
  });

  it('lets a rules:w user use the folders and programs the operator listed, and nothing else', async () => {
    const ok = await call(
      g,
      'POST',
      '/api/rules',
      {
        name: 'listed',
        isSend: false,
        localDir: join(outside, 'in'),
        postTasks: [{ type: 'EXEC', args: { path: join(outside, 'bin', 'notify'), args: '#TRUEFILENAME#' } }],
      },
      rulesWriter,
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const other = await call(
      g,
      'POST',
      '/api/rules',
      { name: 'other', isSend: false, postTasks: [{ type: 'EXEC', args: { path: '/bin/sh' } }] },
      rulesWriter,
    );
    assert.equal(other.status, 403);
  });

  it('keeps the tasks a rules:w user did not touch when it edits another field', async () => {
    const adminMade = await call(g, 'POST', '/api/rules', {
      name: 'admin-made',
      isSend: false,
      postTasks: [{ type: 'EXEC', args: { path: '/bin/true' } }],
    });
    assert.equal(adminMade.status, 201);
    const edit = await call(
      g,
      'PATCH',
      '/api/rules/admin-made/receive',
      { comment: 'reviewed' },
      rulesWriter,
    );
    assert.equal(edit.status, 201, JSON.stringify(edit.body));
    const change = await call(
      g,
      'PATCH',
      '/api/rules/admin-made/receive',
      { postTasks: [{ type: 'EXEC', args: { path: '/bin/true', args: '--anything' } }] },
      rulesWriter,
    );
    assert.equal(change.status, 403);
  });
});
