/**
 * A bounded REST fuzzer over every operation of the OpenAPI document the node serves:
 * malformed bodies (syntax, types, sizes, depths, encodings, duplicate keys), content types,
 * query strings and path parameters. Whatever it sends, the node answers: never a 5xx, every
 * error in the JSON error shape, and at the end it is alive and every list still reads.
 *
 * Deterministic: the seed is printed and can be replayed with WAARP_FUZZ_SEED=<n>.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from '../integration/admin/harness.js';
import { basic, startHarness } from '../integration/admin/harness.js';
import { allRights } from './helpers.js';

type Obj = Record<string, unknown>;
type Schema = Obj & {
  $ref?: string;
  type?: string;
  properties?: Record<string, Obj>;
  items?: Obj;
  enum?: unknown[];
};
interface Operation {
  method: string;
  path: string;
  query: { name: string; schema: Schema }[];
  body: Schema | undefined;
}

/**
 * One request as sent, byte for byte: node's http client neither normalises the path (`/./`,
 * `%2e%2e`) nor refuses a body on GET, as fetch does.
 */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
): Promise<{ status: number; type: string; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        // Framed explicitly: without a length node sends a GET's body unframed.
        headers: {
          ...headers,
          Connection: 'close',
          ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer (413) and close before it has read a large body: that is its right.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end(body);
  });
}

/** mulberry32: small, seedable, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.env.WAARP_FUZZ_SEED ?? 15);
const rand = prng(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const perOperation = Number(process.env.WAARP_FUZZ_PER_OPERATION ?? 24);

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

/** Path parameter values: the fixtures' names, and junk. */
const fixtures: Record<string, string> = {
  user: 'fz-user',
  server: 'fz-server',
  login: 'fz-login',
  partner: 'fz-partner',
  client: 'fz-client',
  rule: 'fz-rule',
  dir: 'send',
  id: '1',
  credential: 'password',
  address: '203.0.113.9',
  target: '127.0.0.1:9',
};
const junkParams = [
  '%FF',
  '%ED%A0%80',
  '%C0%AF',
  '%2e%2e',
  '..',
  '.',
  '%00',
  '%2F',
  'a'.repeat(4000),
  encodeURIComponent('ünï😀'),
  '-1',
  '99999999999999999999999',
  '1e3',
  '%20',
  'receive',
];

const junkQueries = [
  '',
  '?limit=-1',
  '?limit=abc',
  '?limit=1&limit=2',
  '?offset=99999999999999999999',
  '?sort=%FF',
  '?sort=name-',
  '?x=1',
  '?%FF=1',
  '?limit=' + '9'.repeat(5000),
  '?status=BOGUS',
  '?start=not-a-date',
  '?date=2030-13-45T99:99:99Z',
  '?target=all',
  '?protocol=sftp&protocol=%00',
];

/** A plausible value for a schema (so that mutations reach deep into the handlers). */
function sample(s: Schema | undefined, doc: Obj, depth = 0): unknown {
  if (s === undefined || depth > 4) return 'x';
  if (s.$ref !== undefined) return sample(resolveRef(s, doc), doc, depth + 1);
  if (s.enum !== undefined) return pick(s.enum);
  switch (s.type ?? 'object') {
    case 'string':
      return s.format === 'date-time'
        ? '2030-01-01T00:00:00Z'
        : pick(['fz-' + Math.floor(rand() * 1e6), '127.0.0.1:2022', 'sftp', 'send']);
    case 'integer':
      return Math.floor(rand() * 5);
    case 'number':
      return rand() * 3;
    case 'boolean':
      return rand() < 0.5;
    case 'array':
      return [sample(s.items, doc, depth + 1)];
    default: {
      const out: Obj = {};
      for (const [k, v] of Object.entries(s.properties ?? {}))
        if (rand() < 0.8) out[k] = sample(v, doc, depth + 1);
      return out;
    }
  }
}

const wrongValues: unknown[] = [
  null,
  123,
  -1,
  1e308,
  true,
  [],
  {},
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000',
  '../../etc/passwd',
  '/etc',
  { nested: { deeper: [1, 2, { x: null }] } },
  ['a', 1, null],
];

interface RequestCase {
  label: string;
  path: string;
  body?: Buffer | string;
  contentType?: string;
}

/** The schema `s` names (one `$ref` followed). */
function resolveRef(s: Schema | undefined, doc: Obj): Schema | undefined {
  if (s?.$ref === undefined) return s;
  const name = s.$ref.split('/').pop() ?? '';
  return ((doc.components as Obj).schemas as Record<string, Schema>)[name];
}

/**
 * The `index`-th kind of body mutation for `op` (the kinds are cycled, so every operation gets
 * each of them), with random fields and values.
 */
function mutateBody(
  op: Operation,
  doc: Obj,
  index: number,
): { label: string; body: Buffer | string; contentType?: string } {
  const valid = sample(op.body, doc) as Obj;
  const text = JSON.stringify(valid);
  const keys = Object.keys(typeof valid === 'object' && valid !== null ? valid : {});
  const key = keys.length > 0 ? pick(keys) : 'name';
  // Free-form objects (protoConfig, transferInfo) are where depth can hide.
  const properties = resolveRef(op.body, doc)?.properties ?? {};
  const objects = Object.entries(properties)
    .filter(([, v]) => v.type === 'object')
    .map(([k]) => k);
  const deepKey = objects.length > 0 ? pick(objects) : key;
  const json = 'application/json';
  const cases: (() => { label: string; body: Buffer | string; contentType?: string })[] = [
    () => ({ label: 'plausible', body: text, contentType: json }),
    () => {
      const v = pick(wrongValues);
      return {
        label: `field ${key} = ${JSON.stringify(v)?.slice(0, 30)}`,
        body: JSON.stringify({ ...valid, [key]: v }),
        contentType: json,
      };
    },
    () => ({
      label: `lone surrogate in ${key}`,
      body: JSON.stringify({ ...valid, [key]: 'fz\ud800' }),
      contentType: json,
    }),
    () => ({ label: 'lone surrogate in a key', body: text.replace(/^\{"/, '{"\\udc00'), contentType: json }),
    () => {
      // A free-form field (protoConfig, transferInfo) nested deep: the shape of finding 6.
      const depth = pick([33, 40, 5000]);
      const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const rest = JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([k]) => k !== deepKey)));
      const others = rest === '{}' ? '' : `,${rest.slice(1, -1)}`;
      return {
        label: `${deepKey} nested ${depth} deep`,
        body: `{"${deepKey}":${nested}${others}}`,
        contentType: json,
      };
    },
    () => ({ label: 'duplicate key', body: `{"${key}":1,${text.slice(1)}`, contentType: json }),
    () => ({ label: 'deep 33', body: `{"${key}":${deep(33)}}`, contentType: json }),
    () => ({ label: 'deep 20000', body: deep(20_000), contentType: json }),
    () => ({
      label: 'truncated',
      body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      contentType: json,
    }),
    () => ({ label: 'empty', body: '', contentType: json }),
    () => ({
      label: 'top-level ' + pick(['[]', '"s"', '0', 'null', 'true']),
      body: pick(['[]', '"s"', '0', 'null', 'true']),
      contentType: json,
    }),
    () => ({
      label: 'invalid UTF-8',
      body: Buffer.concat([
        Buffer.from(text.slice(0, 3)),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(text.slice(3)),
      ]),
      contentType: json,
    }),
    () => ({ label: 'UTF-16', body: Buffer.from(text, 'utf16le'), contentType: json }),
    () => ({ label: 'BOM', body: '\uFEFF' + text, contentType: json }),
    () => ({ label: 'too large', body: '{"a":"' + 'x'.repeat(1_100_000) + '"}', contentType: json }),
    () => ({
      label: 'many keys',
      body: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
      contentType: json,
    }),
    () => ({ label: 'text/plain', body: text, contentType: 'text/plain' }),
    () => ({
      label: 'form',
      body: 'username=a&password=b',
      contentType: 'application/x-www-form-urlencoded',
    }),
    () => ({ label: 'no content type', body: text }),
    () => ({ label: 'latin1 charset', body: text, contentType: 'application/json; charset=latin1' }),
    () => ({ label: 'json-ish type', body: text, contentType: 'application/json-patch+json' }),
    () => ({ label: 'upper-case type', body: text, contentType: 'APPLICATION/JSON' }),
    () => ({ label: 'NUL bytes', body: text.replace(/"$/, '\u0000"'), contentType: json }),
  ];
  const make = cases[index % cases.length];
  if (make === undefined) throw new Error('no mutation');
  return make();
}

function buildPath(op: Operation, junk: boolean): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    junk && rand() < 0.7 ? pick(junkParams) : encodeURIComponent(fixtures[name] ?? 'x'),
  );
}

function cases(op: Operation, doc: Obj): RequestCase[] {
  const out: RequestCase[] = [];
  for (let i = 0; i < perOperation; i++) {
    const junkPath = i % 4 === 3;
    const query = i % 3 === 1 ? pick(junkQueries) : '';
    const path = buildPath(op, junkPath) + query;
    if (op.body !== undefined || i % 5 === 4) {
      const b = mutateBody(op, doc, i);
      out.push({
        label: b.label,
        path,
        body: b.body,
        ...(b.contentType === undefined ? {} : { contentType: b.contentType }),
      });
    } else {
      out.push({ label: 'no body', path });
    }
  }
  return out;
}

describe('REST fuzzer over the OpenAPI document', { timeout: 900_000 }, () => {
  let h: AdminHarness;
  let doc: Obj;
  let operations: Operation[] = [];
  const password = { current: 'fuzzer-long-password-0' };
  const auth = (): string => basic('fuzzer', password.current);
  const statuses = new Map<number, number>();

  before(async () => {
    h = await startHarness({ instance: 'fuzz-node' });
    await h.call('POST', '/api/users', {
      username: 'fuzzer',
      password: password.current,
      perms: allRights,
    });
    doc = (await h.call<Obj>('GET', '/api/openapi.json')).body;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Obj>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        const params = (op.parameters ?? []) as { name: string; in: string; schema: Schema }[];
        const body = ((op.requestBody as Obj | undefined)?.content as Obj | undefined)?.[
          'application/json'
        ] as { schema: Schema } | undefined;
        operations.push({
          method: method.toUpperCase(),
          path,
          query: params.filter((p) => p.in === 'query'),
          body: body?.schema,
        });
      }
    }
    operations = operations.sort(() => rand() - 0.5);
  });
  after(async () => {
    await h.close();
  });

  /** The objects the path parameters name, re-created when a fuzzed DELETE removed them. */
  async function ensureFixtures(): Promise<void> {
    const ensure = async (get: string, post: string, body: Obj): Promise<void> => {
      if ((await h.call('GET', get, undefined, { auth: auth() })).status === 404) {
        await h.call('POST', post, body, { auth: auth() });
      }
    };
    await ensure('/api/users/fz-user', '/api/users', {
      username: 'fz-user',
      password: 'fz-user-long-password',
    });
    for (const kind of ['server', 'partner']) {
      const base = `/api/${kind}s`;
      await ensure(`${base}/fz-${kind}`, base, {
        name: `fz-${kind}`,
        protocol: 'sftp',
        address: '127.0.0.1:1',
      });
      await ensure(`${base}/fz-${kind}/accounts/fz-login`, `${base}/fz-${kind}/accounts`, {
        login: 'fz-login',
      });
    }
    await ensure('/api/clients/fz-client', '/api/clients', { name: 'fz-client', protocol: 'sftp' });
    await ensure('/api/rules/fz-rule/send', '/api/rules', { name: 'fz-rule', isSend: true });
  }

  it('never answers 5xx, always answers errors as JSON, whatever it is sent', async (t) => {
    t.diagnostic(`seed ${seed}, ${operations.length} operations, ${perOperation} requests each`);
    let sent = 0;
    for (const op of operations) {
      await ensureFixtures();
      for (const c of cases(op, doc)) {
        const headers: Record<string, string> = { Authorization: auth() };
        if (c.contentType !== undefined) headers['Content-Type'] = c.contentType;
        const what = `${op.method} ${c.path.slice(0, 200)} [${c.label}]`;
        const res = await send(h.url, op.method, c.path, headers, c.body);
        const text = res.text;
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${what} answered ${res.status}: ${text.slice(0, 300)}`);
        if (res.status >= 400) {
          assert.match(res.type, /^application\/json/, what);
          const body = JSON.parse(text) as {
            error?: { code?: unknown; message?: unknown; requestId?: unknown };
          };
          assert.equal(typeof body.error?.code, 'string', what);
          assert.equal(typeof body.error?.message, 'string', what);
          assert.equal(typeof body.error?.requestId, 'string', what);
        } else if (res.status !== 204 && op.path !== '/metrics') {
          assert.doesNotThrow(() => JSON.parse(text) as unknown, what);
        }
        // The fuzzer changed its own password: keep logging in.
        if (op.path === '/api/me/password' && res.status < 300 && typeof c.body === 'string') {
          password.current = (JSON.parse(c.body) as { password: string }).password;
        }
      }
    }
    t.diagnostic(
      `${sent} requests; statuses: ${[...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    assert.ok(sent >= operations.length * perOperation);
  });

  it('leaves the node alive, and every list still reads', async () => {
    assert.equal((await h.call('GET', '/healthz', undefined, { auth: null })).status, 200);
    assert.equal((await h.call('GET', '/readyz', undefined, { auth: null })).status, 200);
    const lists = operations.filter((o) => o.method === 'GET' && !o.path.includes('{'));
    assert.ok(lists.length > 8);
    for (const op of lists) {
      const r = await h.call('GET', op.path, undefined, { auth: auth() });
      assert.equal(r.status, 200, op.path);
    }
    assert.equal((await h.call('GET', '/api/users/admin')).status, 200, 'the admin still logs in');
  });
});
