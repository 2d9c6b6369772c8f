import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startAdminServer } from '../../../src/admin/server.js';
import { createIndirection } from '../../../src/config/indirection.js';
import type { GatewayContext } from '../../../src/gateway/context.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';
import { makeContext, testConfig } from './harness.js';

describe('admin listener', () => {
  let db: TestDatabase;
  let home: string;
  let ctx: GatewayContext;
  before(async () => {
    db = await openTestDatabase(testDbKind());
    home = await makeTempDir('admin-listen');
    const base = testConfig(home, home, 'node1', db);
    // The configured (public) address is the load balancer's; this node binds its own.
    ctx = makeContext(
      {
        ...base,
        admin: { ...base.admin, host: 'admin.example.com', port: 8080 },
        indirection: createIndirection(new Map([['admin.example.com:8080', '127.0.0.1:0']]), undefined),
      },
      db,
      'node1',
    );
  });
  after(async () => {
    await db.close();
    await removeTempDir(home);
  });

  it('listens on the address the indirection gives, registers the Admin service, and closes', async () => {
    const server = await startAdminServer(ctx);
    assert.equal(server.address, '127.0.0.1');
    assert.notEqual(server.port, 8080);
    assert.ok(server.port > 0);
    assert.deepEqual(ctx.services.list(), [{ name: 'Admin', state: 'Running', reason: '' }]);
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(res.status, 200);

    // An idle keep-alive connection must not hold close() up.
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (r) => {
          r.resume();
          r.on('end', resolve);
        })
        .on('error', reject);
    });
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 1500, 'close() waited for an idle connection');
    agent.destroy();
    assert.equal(ctx.services.list()[0]?.state, 'Offline');
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
    // Idempotent.
    await server.close();
  });

  it('fails to start, naming the setting and the address, when the port is taken', async () => {
    const first = await startAdminServer(ctx);
    const base = ctx.config;
    const taken = makeContext(
      {
        ...base,
        indirection: createIndirection(
          new Map([['admin.example.com:8080', `127.0.0.1:${first.port}`]]),
          undefined,
        ),
      },
      db,
      'node2',
    );
    try {
      await assert.rejects(
        startAdminServer(taken),
        new RegExp(`\\[admin\\] Port: cannot listen on 127\\.0\\.0\\.1:${first.port}.*already in use`),
      );
    } finally {
      await first.close();
    }
  });
});
