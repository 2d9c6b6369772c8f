/**
 * Finding 6 of #15: unbounded or ill-formed input. JSON nested 5 000 deep gave a 500, and a
 * partner stored 4 114 deep broke `GET /api/partners`; a `text/plain` POST (a cross-site form's
 * shape) created a user; a lone surrogate in a name committed a rename, then answered 500;
 * duplicate JSON keys and unknown query parameters on write routes were accepted silently.
 * Every such request is now a 4xx naming its cause, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from '../integration/admin/harness.js';
import { startHarness } from '../integration/admin/harness.js';

type Err = { error: { code: string; message: string; requestId: string } };
const json = { 'Content-Type': 'application/json' };

/** Sends raw bytes to the server and returns everything it answers before closing. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('bounded, well-formed input (finding 6)', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
    const r = await h.call('POST', '/api/partners', {
      name: 'p1',
      protocol: 'sftp',
      address: '127.0.0.1:2022',
    });
    assert.equal(r.status, 201);
  });
  after(async () => {
    await h.close();
  });

  it('refuses JSON nested deeper than the cap with a 400, at 5 000 levels and just above 32', async () => {
    for (const depth of [5000, 40]) {
      const raw = `{"name":"deep${depth}","protocol":"sftp","address":"127.0.0.1:2022","protoConfig":${nested(depth)}}`;
      const r = await h.call<Err>('POST', '/api/partners', undefined, { raw, headers: json });
      assert.equal(r.status, 400, String(depth));
      assert.match(r.body.error.message, /nest|deep/i, String(depth));
    }
    const list = await h.call<{ partners: { name: string }[] }>('GET', '/api/partners');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.partners.map((p) => p.name),
      ['p1'],
    );
  });

  it('accepts a body nested within the cap', async () => {
    const raw = `{"name":"ok-depth","protocol":"sftp","address":"127.0.0.1:2022","protoConfig":${nested(20)}}`;
    const r = await h.call('POST', '/api/partners', undefined, { raw, headers: json });
    assert.equal(r.status, 201);
  });

  it('requires application/json on a body: 415 for text/plain, a form, or no type, and nothing is created', async () => {
    const body = JSON.stringify({
      username: 'csrf',
      password: 'csrf-long-password',
      perms: { users: 'rwd' },
    });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const r = await h.call<Err>('POST', '/api/users', undefined, {
        raw: body,
        headers: type === undefined ? {} : { 'Content-Type': type },
      });
      assert.equal(r.status, 415, String(type));
      assert.match(r.body.error.message, /application\/json/, String(type));
    }
    assert.equal((await h.call('GET', '/api/users/csrf')).status, 404);
    const ok = await h.call('POST', '/api/users', undefined, {
      raw: body.replace('csrf', 'json-user'),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    assert.equal(ok.status, 201);
  });

  it('refuses a lone surrogate in a name, and the object stays reachable', async () => {
    const raw = '{"name":"p1\\ud800"}';
    const r = await h.call<Err>('PATCH', '/api/partners/p1', undefined, { raw, headers: json });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /UTF-8|Unicode|surrogate/i);
    assert.equal((await h.call('GET', '/api/partners/p1')).status, 200);
    assert.equal((await h.call('GET', '/api/partners')).status, 200);
  });

  it('refuses a body that is not valid UTF-8', async () => {
    const raw = Buffer.concat([Buffer.from('{"name":"p'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const r = await h.call<Err>('PATCH', '/api/partners/p1', undefined, { raw, headers: json });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /UTF-8/);
  });

  it('refuses a path that is not valid UTF-8', async () => {
    const r = await h.call<Err>('GET', '/api/partners/%FF%FE');
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /UTF-8/);
  });

  it('refuses duplicate JSON keys, naming the key', async () => {
    const raw = '{"name":"dup","protocol":"sftp","address":"127.0.0.1:2022","name":"other"}';
    const r = await h.call<Err>('POST', '/api/partners', undefined, { raw, headers: json });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /duplicate.*"name"/);
    const nestedDup = '{"perms":{"users":"r--","users":"rwd"}}';
    const n = await h.call<Err>('PATCH', '/api/users/json-user', undefined, {
      raw: nestedDup,
      headers: json,
    });
    assert.equal(n.status, 400);
    assert.match(n.body.error.message, /duplicate.*perms\.users/);
    assert.equal((await h.call('GET', '/api/partners/dup')).status, 404);
  });

  it('refuses unknown query parameters on every route, naming them', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/partners?dryRun=1', { name: 'q', protocol: 'sftp', address: '127.0.0.1:2022' }],
      ['PATCH', '/api/partners/p1?force=true', { address: '127.0.0.1:2023' }],
      ['GET', '/api/partners/p1?fields=all', undefined],
      ['DELETE', '/api/partners/p1?cascade=1', undefined],
      ['PUT', '/api/rules/none/send/allow_all?x=1', undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await h.call<Err>(method, path, body);
      assert.equal(r.status, 400, `${method} ${path}`);
      assert.match(r.body.error.message, /unknown query parameter "(dryRun|force|fields|cascade|x)"/, path);
    }
    assert.equal((await h.call('GET', '/api/partners/q')).status, 404);
    assert.equal((await h.call('GET', '/api/partners/p1')).status, 200, 'DELETE did not run');
  });

  it('refuses a repeated single-valued query parameter', async () => {
    const r = await h.call<Err>(
      'PUT',
      '/api/transfers/1/retry?date=2030-01-01T00:00:00Z&date=2031-01-01T00:00:00Z',
    );
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /"date".*repeated/);
  });

  it('answers what the HTTP parser refuses in the JSON error shape too', async () => {
    const garbage = await raw(h.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /\r\n\r\n\{"error":\{"code":"E_BAD_REQUEST"/);
    const big = await raw(h.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 /);
    assert.match(big, /"code":"E_TOO_LARGE"/);
    assert.equal((await h.call('GET', '/healthz', undefined, { auth: null })).status, 200);
  });
});
