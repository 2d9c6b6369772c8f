/**
 * Brute-force defence and metrics through the REST API: failed logins ban the address for the
 * whole gateway (a second node on the same database refuses it too), bans are listed and
 * lifted through the API, X-Forwarded-For is believed only from trusted proxies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientAddress } from '../../../src/admin/client-address.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';

describe('login bans and metrics', { timeout: 60_000 }, () => {
  let node1: StartedGateway;
  let node2: StartedGateway;

  before(async () => {
    const ini = {
      security: { MaxLoginFailures: '3', FailureWindow: '1m', BanDuration: '1m' },
      admin: { TrustedProxies: '127.0.0.1' },
    };
    node1 = await startGateway({ instance: 'node1', ini });
    node2 = await startGateway({ instance: 'node2', ini, shareWith: node1 });
  });
  after(async () => {
    await node2?.stop();
    await node1?.stop();
  });

  const wrong = 'Basic ' + Buffer.from('admin:wrong-password').toString('base64');

  it('bans an address on every node after failures on one, until lifted', async () => {
    // The load balancer (127.0.0.1, trusted) says the client is 203.0.113.50.
    const headers = { authorization: wrong, 'x-forwarded-for': '203.0.113.50' };
    for (let i = 0; i < 2; i++) {
      assert.equal((await fetch(`${node1.adminUrl}/api/about`, { headers })).status, 401);
    }
    const third = await fetch(`${node1.adminUrl}/api/about`, { headers });
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    // node2 refuses the address too, even with the right password.
    const right = await node2.api('/api/about', { headers: { 'x-forwarded-for': '203.0.113.50' } });
    assert.equal(right.status, 429);
    // Other clients are not affected.
    assert.equal(
      (await node2.api('/api/about', { headers: { 'x-forwarded-for': '203.0.113.51' } })).status,
      200,
    );
    const list = (await (await node2.api('/api/bans')).json()) as {
      bans: { address: string; failures: number }[];
    };
    assert.deepEqual(
      list.bans.map((b) => b.address),
      ['203.0.113.50'],
    );
    assert.equal((await node1.api('/api/bans/203.0.113.50', { method: 'DELETE' })).status, 204);
    assert.equal(
      (await node2.api('/api/about', { headers: { 'x-forwarded-for': '203.0.113.50' } })).status,
      200,
    );
    assert.equal((await node1.api('/api/bans/203.0.113.50', { method: 'DELETE' })).status, 404);
  });

  it('believes X-Forwarded-For only from trusted proxies, up to the first untrusted hop', () => {
    assert.equal(clientAddress('127.0.0.1', '198.51.100.7', ['127.0.0.1']), '198.51.100.7');
    assert.equal(clientAddress('::ffff:127.0.0.1', '198.51.100.7', ['127.0.0.1']), '198.51.100.7');
    assert.equal(clientAddress('192.0.2.9', '198.51.100.7', ['127.0.0.1']), '192.0.2.9', 'untrusted peer');
    assert.equal(clientAddress('127.0.0.1', '198.51.100.7', []), '127.0.0.1', 'no trusted proxies');
    // A client cannot prepend a fake hop: the rightmost untrusted address wins.
    assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7', ['127.0.0.1']), '198.51.100.7');
    assert.equal(
      clientAddress('127.0.0.1', '198.51.100.7, 10.1.1.1', ['127.0.0.1', '10.0.0.0/8']),
      '198.51.100.7',
    );
  });

  it('serves Prometheus metrics per node, behind authentication', async () => {
    assert.equal((await fetch(`${node1.adminUrl}/metrics`)).status, 401);
    const r = await node1.api('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    assert.match(text, /^waarp_login_failures_total\{node="node1"\} [1-9]/m);
    assert.match(text, /^waarp_db_latency_seconds\{node="node1"\} 0\.\d+/m);
    assert.match(text, /^waarp_heartbeat_age_seconds\{node="node1"\} \d/m);
    assert.match(text, /^waarp_bytes_total\{node="node1",direction="in"\} \d+/m);
    assert.match(text, /^# TYPE waarp_transfers gauge/m);
    // The node has read and written its database since it started (heartbeats, this login).
    assert.match(text, /^waarp_db_statements_total\{node="node1"\} [1-9]\d*$/m);
  });
});
