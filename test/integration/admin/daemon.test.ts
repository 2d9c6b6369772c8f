/**
 * The admin API inside whole gateway nodes (test/support/gateway.ts): two nodes of one gateway
 * on one database, each answering for the whole cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';

describe('admin API in a two-node cluster', () => {
  let a: StartedGateway;
  let b: StartedGateway;
  before(async () => {
    a = await startGateway({ instance: 'node-a' });
    b = await startGateway({ instance: 'node-b', shareWith: a });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('each node is ready and says who it is', async () => {
    for (const [g, name] of [
      [a, 'node-a'],
      [b, 'node-b'],
    ] as const) {
      const ready = await fetch(`${g.adminUrl}/readyz`);
      assert.equal(ready.status, 200);
      const about = (await (await g.api('/api/about')).json()) as {
        nodeName: string;
        coreServices: { name: string; state: string }[];
      };
      assert.equal(about.nodeName, name);
      assert.ok(about.coreServices.some((s) => s.name === 'Admin' && s.state === 'Running'));
    }
  });

  it('a change through one node is seen through the other at once', async () => {
    const created = await a.api('/api/partners', {
      method: 'POST',
      body: JSON.stringify({ name: 'shared', protocol: 'sftp', address: '127.0.0.1:2022' }),
    });
    assert.equal(created.status, 201);
    const seen = await b.api('/api/partners/shared');
    assert.equal(seen.status, 200);
    const del = await b.api('/api/partners/shared', { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await a.api('/api/partners/shared')).status, 404);
  });

  it('lists both nodes as alive from either node', async () => {
    const deadline = Date.now() + 5000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      const body = (await (await b.api('/api/cluster/nodes')).json()) as {
        nodes: { name: string; alive: boolean }[];
      };
      names = body.nodes.filter((n) => n.alive).map((n) => n.name);
      if (names.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(names, ['node-a', 'node-b']);
  });

  it('one admin user for the whole cluster', async () => {
    const users = (await (await a.api('/api/users')).json()) as { users: { username: string }[] };
    assert.deepEqual(
      users.users.map((u) => u.username),
      ['admin'],
    );
  });
});
