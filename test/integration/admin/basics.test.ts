import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from './harness.js';
import { basic, startHarness } from './harness.js';

describe('admin API basics', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  describe('probes', () => {
    it('answers /healthz without authentication', async () => {
      const r = await h.call('GET', '/healthz', undefined, { auth: null });
      assert.equal(r.status, 200);
      assert.equal((r.body as { status: string }).status, 'ok');
    });

    it('answers /readyz 200 when started and the database answers', async () => {
      const r = await h.call<{ status: string }>('GET', '/readyz', undefined, { auth: null });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'ready');
    });

    it('answers /readyz 503 with the reason while draining', async () => {
      h.ctx.health.draining = true;
      try {
        const r = await h.call<{ reasons: string[] }>('GET', '/readyz', undefined, { auth: null });
        assert.equal(r.status, 503);
        assert.match(r.body.reasons.join(' '), /draining/);
      } finally {
        h.ctx.health.draining = false;
      }
    });

    it('answers the load-balancer check /lbz: 200 ready, 404 draining, 503 down', async () => {
      assert.equal((await h.call('GET', '/lbz', undefined, { auth: null })).status, 200);
      h.ctx.health.draining = true;
      try {
        // 404 puts the node in NOLB (keeps its sessions) where 503 would mark it DOWN.
        assert.equal((await h.call('GET', '/lbz', undefined, { auth: null })).status, 404);
      } finally {
        h.ctx.health.draining = false;
      }
      h.ctx.health.databaseUp = false;
      try {
        assert.equal((await h.call('GET', '/lbz', undefined, { auth: null })).status, 503);
      } finally {
        h.ctx.health.databaseUp = true;
      }
    });

    it('answers /readyz 503 while the node is still starting', async () => {
      h.ctx.health.started = false;
      try {
        const r = await h.call<{ reasons: string[] }>('GET', '/readyz', undefined, { auth: null });
        assert.equal(r.status, 503);
        assert.match(r.body.reasons.join(' '), /starting/);
      } finally {
        h.ctx.health.started = true;
      }
    });

    it('answers /readyz 503 when the database ping does not answer within a second', async () => {
      const db = h.ctx.stores.db;
      const original = db.ping.bind(db);
      db.ping = () => new Promise<void>(() => undefined);
      try {
        const started = Date.now();
        const r = await h.call<{ reasons: string[] }>('GET', '/readyz', undefined, { auth: null });
        assert.equal(r.status, 503);
        assert.match(r.body.reasons.join(' '), /did not answer/);
        assert.ok(Date.now() - started < 3000);
      } finally {
        db.ping = original;
      }
    });
  });

  describe('authentication', () => {
    it('refuses a request without credentials with 401 and a Basic challenge', async () => {
      const r = await h.call<{ error: { code: string } }>('GET', '/api/users', undefined, { auth: null });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.equal(r.body.error.code, 'E_UNAUTHORIZED');
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      type E = { error: { message: string } };
      const wrong = await h.call<E>('GET', '/api/users', undefined, { auth: basic('admin', 'nope') });
      const unknown = await h.call<E>('GET', '/api/users', undefined, { auth: basic('ghost', 'nope') });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      // Same answer: the API does not tell which logins exist.
      assert.equal(wrong.body.error.message, unknown.body.error.message);
    });

    it('refuses a malformed Authorization header', async () => {
      const r = await h.call('GET', '/api/about', undefined, { auth: 'Bearer abc' });
      assert.equal(r.status, 401);
    });

    it('authenticates unknown /api paths before saying 404', async () => {
      const anon = await h.call('GET', '/api/nothing-here', undefined, { auth: null });
      assert.equal(anon.status, 401);
      const authed = await h.call<{ error: { code: string } }>('GET', '/api/nothing-here');
      assert.equal(authed.status, 404);
      assert.equal(authed.body.error.code, 'E_NOT_FOUND');
    });

    it('sees a user created through the database at once (no cache)', async () => {
      const auth = await h.addUser('fresh', { users: 'r--' });
      const r = await h.call('GET', '/api/users', undefined, { auth });
      assert.equal(r.status, 200);
      await h.ctx.stores.users.delete((await h.ctx.stores.users.get('fresh'))!.id);
      const gone = await h.call('GET', '/api/users', undefined, { auth });
      assert.equal(gone.status, 401);
    });
  });

  describe('headers and errors', () => {
    it('sends Server and X-Request-Id headers', async () => {
      const r = await h.call('GET', '/api/about');
      assert.equal(r.headers.get('server'), 'waarp-gatewayd/9.9.9-test');
      assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    it('keeps a sane incoming X-Request-Id and echoes it in errors', async () => {
      const r = await h.call<{ error: { requestId: string } }>('GET', '/api/servers/none', undefined, {
        headers: { 'X-Request-Id': 'lb-1234' },
      });
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('x-request-id'), 'lb-1234');
      assert.equal(r.body.error.requestId, 'lb-1234');
    });

    it('answers 405 for a method a resource does not have', async () => {
      const r = await h.call<{ error: { code: string } }>('DELETE', '/api/about');
      assert.equal(r.status, 405);
      assert.equal(r.body.error.code, 'E_METHOD_NOT_ALLOWED');
    });

    it('answers 400 for malformed JSON', async () => {
      const r = await h.call<{ error: { code: string; message: string } }>(
        'POST',
        '/api/partners',
        undefined,
        {
          raw: '{"name": ',
          headers: { 'Content-Type': 'application/json' },
        },
      );
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'E_BAD_REQUEST');
      assert.match(r.body.error.message, /malformed JSON/);
    });

    it('answers 400 for an empty body where one is needed', async () => {
      const r = await h.call<{ error: { message: string } }>('POST', '/api/partners', undefined, { raw: '' });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /JSON body is required/);
    });

    it('answers 400 for a JSON body that is not an object', async () => {
      const r = await h.call<{ error: { message: string } }>('POST', '/api/partners', [1, 2]);
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /must be a JSON object, got an array/);
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const big = JSON.stringify({ name: 'x', protoConfig: { blob: 'a'.repeat(1024 * 1024 + 10) } });
      const r = await h.call<{ error: { code: string } }>('POST', '/api/partners', undefined, {
        raw: big,
        headers: { 'Content-Type': 'application/json' },
      });
      assert.equal(r.status, 413);
      assert.equal(r.body.error.code, 'E_TOO_LARGE');
    });

    it('answers 413 for a chunked body over 1 MiB (no Content-Length)', async () => {
      const chunk = 'a'.repeat(64 * 1024);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 20) return controller.close();
          sent++;
          controller.enqueue(new TextEncoder().encode(chunk));
        },
      });
      const res = await fetch(h.url + '/api/partners', {
        method: 'POST',
        headers: { Authorization: h.adminAuth, 'Content-Type': 'application/json' },
        body: stream,
        duplex: 'half',
      });
      assert.equal(res.status, 413);
      await res.body?.cancel();
    });

    it('answers a JSON 500 without internals when a store fails', async () => {
      const stores = h.ctx.stores;
      const original = stores.rules.list.bind(stores.rules);
      stores.rules.list = () => Promise.reject(new Error('SELECT secret FROM somewhere failed'));
      try {
        const r = await h.call<{ error: { code: string; message: string; requestId: string } }>(
          'GET',
          '/api/rules',
        );
        assert.equal(r.status, 500);
        assert.equal(r.body.error.code, 'E_INTERNAL');
        assert.doesNotMatch(r.body.error.message, /SELECT|secret/);
        assert.equal(r.body.error.requestId, r.headers.get('x-request-id'));
      } finally {
        stores.rules.list = original;
      }
    });
  });

  describe('about and status', () => {
    it('describes the node, its services, servers and clients', async () => {
      h.ctx.services.set('Admin', 'Running');
      await h.call('POST', '/api/servers', { name: 'about-srv', protocol: 'sftp', address: '127.0.0.1:0' });
      h.ctx.services.set('about-srv', 'Error', 'port in use');
      const r = await h.call<{
        version: string;
        nodeName: string;
        gatewayName: string;
        coreServices: { name: string; state: string }[];
        servers: { name: string; state: string; reason: string }[];
      }>('GET', '/api/about');
      assert.equal(r.status, 200);
      assert.equal(r.body.version, '9.9.9-test');
      assert.equal(r.body.gatewayName, 'test-gw');
      assert.ok(r.body.coreServices.some((s) => s.name === 'Admin' && s.state === 'Running'));
      assert.deepEqual(
        r.body.servers.find((s) => s.name === 'about-srv'),
        { name: 'about-srv', state: 'Error', reason: 'port in use' },
      );
      assert.ok(!r.body.coreServices.some((s) => s.name === 'about-srv'));
    });

    it('gives the deprecated status map', async () => {
      const r = await h.call<Record<string, { state: string }>>('GET', '/api/status');
      assert.equal(r.status, 200);
      assert.equal(r.body.Admin?.state, 'Running');
    });
  });
});
