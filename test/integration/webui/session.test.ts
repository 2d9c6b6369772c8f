/**
 * The web console's sessions and its way into the REST API, over HTTP (the browser tier does
 * the same in chromium): a session opened on one node serves requests on another node of the
 * same database; the API takes the session only with its CSRF token, and a change only from the
 * console's origin; HTTP Basic and deny-by-default are unchanged for every other client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminServer } from '../../../src/admin/server.js';
import { startAdminServer } from '../../../src/admin/server.js';
import type { GatewayContext } from '../../../src/gateway/context.js';
import type { AdminHarness } from '../admin/harness.js';
import { adminPassword, makeContext, startHarness } from '../admin/harness.js';

describe('web console sessions and the REST API', () => {
  let h: AdminHarness;
  let other: AdminServer;
  let otherCtx: GatewayContext;
  let otherUrl: string;

  before(async () => {
    h = await startHarness({ nodeName: 'node-a' });
    // A second node on the same database: no sticky sessions needed.
    otherCtx = makeContext(h.ctx.config, h.db, 'node-b');
    other = await startAdminServer(otherCtx);
    otherUrl = `http://127.0.0.1:${other.port}`;
  });

  after(async () => {
    await other?.close();
    await h?.close();
  });

  const get = (base: string, path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(base + path, { headers, redirect: 'manual' });

  async function logIn(origin: string | undefined): Promise<Response> {
    return fetch(`${h.url}/webui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(origin === undefined ? {} : { Origin: origin }),
      },
      body: new URLSearchParams({
        username: 'admin',
        password: adminPassword,
        next: '/webui/servers',
      }).toString(),
    });
  }

  async function session(): Promise<{ cookie: string; csrf: string }> {
    const res = await logIn(h.url);
    assert.equal(res.status, 302);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await (await get(h.url, '/webui/', { Cookie: cookie })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
    assert.notEqual(csrf, '');
    return { cookie, csrf };
  }

  it('logs in with a form from its own origin; the cookie is HttpOnly and SameSite=Lax', async () => {
    assert.equal((await logIn(undefined)).status, 403, 'no Origin: refused');
    assert.equal((await logIn('http://evil.example')).status, 403);
    const res = await logIn(h.url);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/webui/servers');
    assert.match(
      res.headers.get('set-cookie') ?? '',
      /^waarp_console=[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
  });

  it('serves a session opened on one node from another node of the same database', async () => {
    const { cookie } = await session();
    for (const [base, node] of [
      [h.url, 'node-a'],
      [otherUrl, 'node-b'],
    ] as const) {
      const res = await get(base, '/webui/servers', { Cookie: cookie });
      assert.equal(res.status, 200, node);
      assert.equal(res.headers.get('x-gateway-node'), node);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(await res.text(), /Served by node <strong id="served-by">/);
    }
    const anonymous = await get(otherUrl, '/webui/servers');
    assert.equal(anonymous.status, 302);
    assert.equal(anonymous.headers.get('location'), '/webui/login?next=%2Fwebui%2Fservers');
  });

  it('lets the session into the API only with its CSRF token, and changes only from its origin', async () => {
    const { cookie, csrf } = await session();
    const api = (
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: unknown,
    ): Promise<Response> =>
      fetch(otherUrl + path, {
        method,
        headers: { Cookie: cookie, ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    assert.equal((await api('GET', '/api/about', {})).status, 403, 'no token');
    assert.equal(
      (await api('GET', '/api/about', { 'X-CSRF-Token': 'x'.repeat(43) })).status,
      403,
      'wrong token',
    );
    assert.equal((await api('GET', '/api/about', { 'X-CSRF-Token': csrf })).status, 200);
    const server = { name: 'from-console', protocol: 'sftp', address: '127.0.0.1:1' };
    const json = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf };
    const foreign = await api('POST', '/api/servers', { ...json, Origin: 'http://evil.example' }, server);
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /console request refused: the Origin/);
    const plain = await api(
      'POST',
      '/api/servers',
      { ...json, 'Content-Type': 'text/plain', Origin: otherUrl },
      server,
    );
    assert.equal(plain.status, 415, 'the API still takes only JSON');
    const created = await api('POST', '/api/servers', { ...json, Origin: otherUrl }, server);
    assert.equal(created.status, 201, await created.text());
  });

  it('leaves HTTP Basic and deny-by-default as they were', async () => {
    assert.equal((await h.call('GET', '/api/about')).status, 200);
    const none = await h.call('GET', '/api/about', undefined, { auth: null });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
    // An ended session: 401 without a Basic challenge (no browser login box), and a clear message.
    const ended = await h.call<{ error: { message: string } }>('GET', '/api/about', undefined, {
      auth: null,
      headers: { Cookie: `waarp_console=${'A'.repeat(43)}` },
    });
    assert.equal(ended.status, 401);
    assert.equal(ended.headers.get('www-authenticate'), null);
    assert.match(ended.body.error.message, /console session has ended/);
    // The root sends a browser (asking for HTML) to the console; other clients still need a login.
    const browser = await get(h.url, '/', { Accept: 'text/html,application/xhtml+xml' });
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), '/webui/');
    assert.equal((await get(h.url, '/', { Accept: '*/*' })).status, 401);
  });

  it('ends a session after the idle timeout, on every node', async () => {
    const { cookie } = await session();
    const idle = h.ctx.config.admin.webUISessionIdleMs;
    const clock = otherCtx as { now: () => number };
    clock.now = () => Date.now() + idle + 1000;
    try {
      const res = await get(otherUrl, '/webui/servers', { Cookie: cookie });
      assert.equal(res.status, 302);
      assert.match(res.headers.get('location') ?? '', /^\/webui\/login/);
    } finally {
      clock.now = () => Date.now();
    }
    assert.equal((await get(h.url, '/webui/servers', { Cookie: cookie })).status, 302, 'gone for node-a too');
  });

  it('logs out: the session is gone from the database', async () => {
    const { cookie, csrf } = await session();
    const out = await fetch(`${otherUrl}/webui/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookie, Origin: otherUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
    });
    assert.equal(out.status, 302);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await get(h.url, '/webui/servers', { Cookie: cookie })).status, 302);
  });
});
