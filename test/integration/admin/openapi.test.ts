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
