import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildApiRouter, listRoutes } from '../../../src/admin/app.js';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

describe('OpenAPI document', () => {
  let h: AdminHarness;
  let doc: Doc;
  before(async () => {
    h = await startHarness();
    const r = await h.call<Doc>('GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    doc = r.body;
  });
  after(async () => {
    await h.close();
  });

  it('is served to authenticated users only', async () => {
    assert.equal((await h.call('GET', '/api/openapi.json', undefined, { auth: null })).status, 401);
    assert.match(doc.openapi, /^3\./);
  });

  it('describes exactly the routes the router has', () => {
    const routes = new Set(listRoutes(buildApiRouter(h.ctx)).map((r) => `${r.method} ${r.path}`));
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => methods.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const missing = [...routes].filter((r) => !documented.has(r));
    const extra = [...documented].filter((r) => !routes.has(r));
    assert.deepEqual(missing, [], 'routes missing from the document');
    assert.deepEqual(extra, [], 'documented routes that do not exist');
    assert.ok(routes.size > 80, `expected the whole API, found ${routes.size} routes`);
  });

  it('is a valid OpenAPI 3 document', async () => {
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('declares the error statuses the API really answers', () => {
    const post = doc.paths['/api/servers']?.post as { responses: Record<string, unknown> };
    for (const code of ['201', '400', '401', '403', '409']) assert.ok(code in post.responses, code);
    const health = doc.paths['/healthz']?.get as { security: unknown[] };
    assert.deepEqual(health.security, []);
  });
});

/**
 * Every route with a body validates it with the schema the document shows: for each documented
 * request body, an unknown field is refused naming the fields of the documented schema, and a
 * string one character over a documented maxLength is refused naming that bound.
 */
describe('request bodies follow the document', () => {
  let h: AdminHarness;
  let doc: { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Schema> } };
  interface Schema {
    properties?: Record<string, { maxLength?: number; type?: string }>;
    additionalProperties?: unknown;
  }
  interface Op {
    requestBody?: { content: { 'application/json': { schema: { $ref: string } } } };
    parameters?: { name: string; in: string; schema: QuerySchema }[];
  }
  interface QuerySchema {
    type?: string;
    enum?: string[];
    format?: string;
    maximum?: number;
    items?: QuerySchema;
  }
  const params: Record<string, string> = {
    server: 's1',
    partner: 'p1',
    login: 'a1',
    client: 'c1',
    rule: 'r1',
    dir: 'send',
    user: 'u1',
  };
  before(async () => {
    h = await startHarness({ instance: 'node1' });
    const setup: [string, unknown][] = [
      ['/api/servers', { name: 's1', protocol: 'sftp', address: '127.0.0.1:2222' }],
      ['/api/servers/s1/accounts', { login: 'a1', password: 'a-long-enough-password' }],
      ['/api/partners', { name: 'p1', protocol: 'sftp', address: '127.0.0.1:2222' }],
      ['/api/partners/p1/accounts', { login: 'a1', password: 'a-long-enough-password' }],
      ['/api/clients', { name: 'c1', protocol: 'sftp' }],
      ['/api/rules', { name: 'r1', isSend: true }],
      ['/api/users', { username: 'u1', password: 'a-long-enough-password' }],
    ];
    for (const [path, body] of setup) assert.equal((await h.call('POST', path, body)).status, 201, path);
    doc = (await h.call<typeof doc>('GET', '/api/openapi.json')).body;
  });
  after(async () => {
    await h.close();
  });

  const concrete = (template: string): string =>
    template.replace(/\{(\w+)\}/g, (_m, p: string) => params[p] ?? p);
  const message = (r: { body: unknown }): string =>
    (r.body as { error?: { message?: string } }).error?.message ?? JSON.stringify(r.body);

  it('refuses, for every documented body, what its documented schema refuses', async () => {
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const ref = op.requestBody?.content['application/json'].schema.$ref;
        if (ref === undefined) continue;
        const schema = doc.components.schemas[ref.split('/').pop() ?? ''];
        assert.ok(schema !== undefined, ref);
        const route = `${method.toUpperCase()} ${template}`;
        const path = concrete(template);
        if (schema.properties === undefined || Object.keys(schema.properties).length === 0) {
          // A map ({target: real}): its values' schema decides.
          const r = await h.call(method.toUpperCase(), path, { x: 5 });
          assert.equal(r.status, 400, route);
          assert.match(message(r), /field "x" must be a string, got a number/, route);
          checked++;
          continue;
        }
        const r = await h.call(method.toUpperCase(), path, { zzUnknown: 1 });
        assert.equal(r.status, 400, route);
        const fields = Object.keys(schema.properties).join(', ');
        assert.equal(message(r), `unknown field "zzUnknown" (expected: ${fields})`, route);
        for (const [name, p] of Object.entries(schema.properties)) {
          if (p.type !== 'string' || p.maxLength === undefined) continue;
          const long = await h.call(method.toUpperCase(), path, { [name]: 'x'.repeat(p.maxLength + 1) });
          assert.equal(long.status, 400, `${route} ${name}`);
          assert.match(
            message(long),
            new RegExp(`field "${name}" is longer than ${p.maxLength} characters`),
            route,
          );
        }
        checked++;
      }
    }
    assert.ok(checked >= 30, `expected every body route, checked ${checked}`);
  });

  it('documents the bounds the validators enforce (a maximum, maxItems, the name pattern)', () => {
    const s = doc.components.schemas as Record<
      string,
      { properties: Record<string, Record<string, unknown>> }
    >;
    assert.equal(s.ClientIn?.properties.nbOfAttempts?.maximum, 1000);
    assert.equal(s.RuleIn?.properties.preTasks?.maxItems, 100);
    assert.equal(typeof s.ServerIn?.properties.name?.pattern, 'string');
    assert.equal(s.LocalAccountIn?.properties.ipAddresses?.maxItems, 256);
  });

  /** A value the documented schema of a query parameter refuses; none for a free string. */
  function refused(schema: QuerySchema): string | undefined {
    const one = schema.items ?? schema;
    if (one.enum !== undefined) return 'not-one-of-them';
    if (one.format === 'date-time') return 'yesterday';
    if (one.type === 'integer') return String((one.maximum ?? 0) + 1);
    return undefined;
  }

  it('refuses, for every documented query parameter, a value its documented schema refuses', async () => {
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of op.parameters ?? []) {
          const value = p.in === 'query' ? refused(p.schema) : undefined;
          if (value === undefined) continue;
          const path = `${concrete(template)}?${p.name}=${encodeURIComponent(value)}`;
          const r = await h.call(method.toUpperCase(), path);
          assert.equal(r.status, 400, `${method} ${path}`);
          assert.match(message(r), new RegExp(`query parameter "${p.name}"`), `${method} ${path}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 40, `expected every typed query parameter, checked ${checked}`);
  });
});
