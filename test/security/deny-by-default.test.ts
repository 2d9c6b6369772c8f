/**
 * Finding 1 of #15: routes reachable without authentication. The auth check was case- and
 * slash-sensitive while the router was not, so `/API/about` answered without credentials and
 * `/API/users` reached its handler with no user (a 500). Now every path needs a login except
 * `/healthz`, `/readyz` and `/lbz`, and routing is exact on case and trailing slash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from '../integration/admin/harness.js';
import { startHarness } from '../integration/admin/harness.js';

type Err = { error: { code: string; message: string; requestId: string } };

describe('deny by default (finding 1)', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const variants = [
    '/API/about',
    '/Api/status',
    '/API/openapi.json',
    '/API/users',
    '/API/cluster/nodes',
    '/METRICS',
    '/metrics/',
    '/api/users/',
    '/api/about/',
    '/api//users',
    '/%61pi/users',
    '/HEALTHZ',
    '/healthz/',
    '/nothing-here',
    '/',
  ];

  it('answers 401 to any path but the probes when no credentials are given', async () => {
    for (const path of variants) {
      const r = await h.call<Err>('GET', path, undefined, { auth: null });
      assert.equal(r.status, 401, path);
      assert.equal(r.body.error.code, 'E_UNAUTHORIZED', path);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /, path);
    }
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await h.call(method, '/API/users', undefined, { auth: null });
      assert.equal(r.status, 401, method);
    }
  });

  it('routes exactly: another case or a trailing slash is no route, even for the admin', async () => {
    for (const path of variants) {
      const r = await h.call<Err>('GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error.code, 'E_NOT_FOUND', path);
    }
    assert.equal((await h.call('GET', '/api/users')).status, 200);
    assert.equal((await h.call('GET', '/metrics')).status, 200);
  });

  it('leaves only the three probes open, and says so in the OpenAPI document', async () => {
    for (const path of ['/healthz', '/readyz', '/lbz']) {
      assert.equal((await h.call('GET', path, undefined, { auth: null })).status, 200, path);
    }
    const doc = await h.call<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(
      'GET',
      '/api/openapi.json',
    );
    const open = Object.entries(doc.body.paths)
      .filter(([, item]) =>
        Object.values(item).some((op) => Array.isArray(op.security) && op.security.length === 0),
      )
      .map(([path]) => path)
      .sort();
    assert.deepEqual(open, ['/healthz', '/lbz', '/readyz']);
  });
});
