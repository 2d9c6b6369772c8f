import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NodeOut } from '../../../src/schema/status.js';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';

type Err = { error: { code: string; message: string } };

describe('override addresses on a lone node', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('answers 501 on every override route when the node has no instance name', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/override/addresses', undefined],
      ['POST', '/api/override/addresses', { 'a:1': 'b:1' }],
      ['DELETE', '/api/override/addresses/a:1', undefined],
    ] as const) {
      const r = await h.call<Err>(method, path, body);
      assert.equal(r.status, 501, `${method} ${path}`);
      assert.equal(r.body.error.code, 'E_NOT_IMPLEMENTED');
    }
  });
});

describe('override addresses on a named node', () => {
  let h: AdminHarness;
  let file: string;
  before(async () => {
    h = await startHarness({ instance: 'node1' });
    file = join(h.configDir, 'node1.ini');
  });
  after(async () => {
    await h.close();
  });

  it('lists an empty table when the override file does not exist yet', async () => {
    const r = await h.call('GET', '/api/override/addresses');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {});
  });

  it('adds indirections to <instance>.ini (201) and lists them', async () => {
    const r = await h.call('POST', '/api/override/addresses', {
      'sftp.example.com:22': '127.0.0.1:2222',
      'lb.local': '10.0.0.1',
    });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, { 'sftp.example.com:22': '127.0.0.1:2222', 'lb.local': '10.0.0.1' });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /\[Address Indirection\]/);
    assert.match(text, /IndirectAddress = sftp\.example\.com:22 -> 127\.0\.0\.1:2222/);
    const put = await h.call('PUT', '/api/override/addresses', { 'sftp.example.com:22': '127.0.0.1:3333' });
    assert.equal(put.status, 201);
    assert.equal((put.body as Record<string, string>)['sftp.example.com:22'], '127.0.0.1:3333');
    const list = await h.call('GET', '/api/override/addresses');
    assert.deepEqual(list.body, { 'sftp.example.com:22': '127.0.0.1:3333', 'lb.local': '10.0.0.1' });
  });

  it('refuses an inconsistent indirection (port on one side only) with 400', async () => {
    const r = await h.call<Err>('POST', '/api/override/addresses', { 'example.com': '8.8.8.8:80' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /port/);
    const type = await h.call<Err>('PATCH', '/api/override/addresses', { 'a.b': 5 });
    assert.equal(type.status, 400);
  });

  it('removes an indirection (204), 404 when there is none', async () => {
    assert.equal((await h.call('DELETE', '/api/override/addresses/lb.local')).status, 204);
    assert.deepEqual((await h.call('GET', '/api/override/addresses')).body, {
      'sftp.example.com:22': '127.0.0.1:3333',
    });
    assert.equal((await h.call('DELETE', '/api/override/addresses/lb.local')).status, 404);
  });

  it('reports a broken override file as a 400 naming the problem', async () => {
    const saved = readFileSync(file, 'utf8');
    writeFileSync(file, '[Address Indirection]\nIndirectAddress = nonsense\n');
    try {
      const r = await h.call<Err>('GET', '/api/override/addresses');
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /->/);
    } finally {
      writeFileSync(file, saved);
    }
  });

  it('needs the administration permission', async () => {
    const auth = await h.addUser('no-admin', { servers: 'rwd', users: 'rwd' });
    assert.equal((await h.call('GET', '/api/override/addresses', undefined, { auth })).status, 403);
    assert.equal((await h.call('GET', '/api/cluster/nodes', undefined, { auth })).status, 403);
  });
});

describe('cluster nodes', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness({ instance: 'node1' });
  });
  after(async () => {
    await h.close();
  });

  it('lists every node with its liveness (on the database clock), clock offset and running transfers', async () => {
    const base = {
      version: '1.0',
      schemaVersion: 1,
      host: 'h',
      pid: 1,
      incarnation: 'x',
      adminAddress: '127.0.0.1:1',
      clockOffsetMs: 8000,
    };
    const before = Date.now();
    await h.ctx.stores.nodes.register({ ...base, name: 'node1', state: 'running' }, 5000);
    await h.ctx.stores.nodes.register(
      { ...base, name: 'node2', state: 'running', clockOffsetMs: null },
      5000,
    );
    await h.ctx.stores.nodes.register({ ...base, name: 'node3', state: 'stopped' }, 5000);
    // node2 has been silent for a minute.
    await h.ctx.stores.db.run(`UPDATE nodes SET heartbeat_at = heartbeat_at - 60000 WHERE name = 'node2'`);
    // One RUNNING transfer on node1.
    await h.call('POST', '/api/rules', { name: 'push', isSend: true });
    await h.call('POST', '/api/partners', { name: 'p', protocol: 'sftp', address: '127.0.0.1:22' });
    await h.call('POST', '/api/partners/p/accounts', { login: 'a' });
    await h.call('POST', '/api/transfers', {
      rule: 'push',
      isSend: true,
      partner: 'p',
      account: 'a',
      file: 'f',
      start: '2000-01-01T00:00:00Z',
    });
    await h.ctx.stores.transfers.claimDue('node1', 10, 60_000);

    const r = await h.call<{ nodes: NodeOut[] }>('GET', '/api/cluster/nodes');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.nodes.map((n) => [n.name, n.state, n.alive, n.runningTransfers]),
      [
        ['node1', 'running', true, 1],
        ['node2', 'running', false, 0],
        ['node3', 'stopped', false, 0],
      ],
    );
    const heartbeat = Date.parse(r.body.nodes[0]!.lastHeartbeat);
    assert.ok(heartbeat >= before - 1000 && heartbeat <= Date.now() + 1000, r.body.nodes[0]!.lastHeartbeat);
    assert.equal(r.body.nodes[0]?.version, '1.0');
    assert.deepEqual(
      r.body.nodes.map((n) => n.clockOffsetMs),
      [8000, null, 8000],
    );
  });
});
