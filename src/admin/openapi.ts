/**
 * The OpenAPI 3 description of the admin API, served at `GET /api/openapi.json`: the operations
 * the routes declare (src/admin/routes/*, src/admin/operation.ts) and the contract's schemas
 * (src/schema) as they are, the same objects the routes check requests with. A test checks that
 * every route of the router is here and nothing else, and validates the document.
 */
import type { TObject } from '@sinclair/typebox';
import { components } from '../schema/index.js';
import { allowedTypes } from './credentials.js';
import type { Obj, Operation } from './operation.js';
import { json, ref, reply } from './operation.js';
import { aboutOperations } from './routes/about.js';
import { auditOperations } from './routes/audit.js';
import { clientOperations } from './routes/clients.js';
import { clusterOperations } from './routes/cluster.js';
import { healthOperations } from './routes/health.js';
import { historyOperations } from './routes/history.js';
import { localAccountOperations } from './routes/local-accounts.js';
import { metricsOperations } from './routes/metrics.js';
import { overrideOperations } from './routes/override.js';
import { partnerOperations } from './routes/partners.js';
import { remoteAccountOperations } from './routes/remote-accounts.js';
import { ruleOperations } from './routes/rules.js';
import { securityOperations } from './routes/security.js';
import { serverOperations } from './routes/servers.js';
import { transferOperations } from './routes/transfers.js';
import { userOperations } from './routes/users.js';

/** This document's own route (mounted by src/admin/app.ts, which builds the document). */
export const openApiOperation: Operation = {
  method: 'get',
  path: '/api/openapi.json',
  tag: 'status',
  summary: 'This document',
  ok: [200, reply('OpenAPI document', { type: 'object', additionalProperties: true })],
};

/** Every operation of the API, in the document's order. */
const operations: readonly Operation[] = [
  ...healthOperations,
  ...aboutOperations,
  openApiOperation,
  ...metricsOperations,
  ...securityOperations,
  ...clusterOperations,
  ...userOperations,
  ...serverOperations,
  ...localAccountOperations,
  ...partnerOperations,
  ...remoteAccountOperations,
  ...clientOperations,
  ...ruleOperations,
  ...transferOperations,
  ...historyOperations,
  ...auditOperations,
  ...overrideOperations,
];

/** The parameters of a query schema: one per property; an array is repeated (`?a=1&a=2`). */
function queryParameters(query: TObject): Obj[] {
  const required = query.required ?? [];
  return Object.entries(query.properties).map(([name, property]) => {
    const { description, ...schema } = property as Obj;
    const repeatable = schema.type === 'array';
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(description === undefined ? {} : { description }),
      schema,
      ...(repeatable ? { style: 'form', explode: true } : {}),
    };
  });
}

const errors = (codes: Iterable<number>): Obj =>
  Object.fromEntries([...codes].map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

function operationObject(op: Operation): Obj {
  const isPublic = op.public === true;
  const description = isPublic
    ? 'No authentication.'
    : op.perm === undefined
      ? 'Any authenticated user.'
      : `Permission: \`${op.perm}\`.`;
  // Every authenticated route refuses unknown query parameters (400); a body may be too large
  // or not JSON (src/admin/request-bounds.ts).
  const base = isPublic ? [] : [400, 401, 403, ...(op.body === undefined ? [] : [413, 415])];
  const parameters = op.query === undefined ? [] : queryParameters(op.query);
  return {
    tags: [op.tag],
    summary: op.summary,
    description,
    ...(isPublic ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body !== undefined ? { requestBody: { required: true, ...json(ref(op.body)) } } : {}),
    responses: {
      [String(op.ok[0])]: op.ok[1],
      ...errors(new Set([...base, ...(op.errs ?? [])])),
      ...op.replies,
    },
  };
}

function pathParams(path: string): Obj[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => {
    const name = m[1] ?? '';
    const schema =
      name === 'dir'
        ? { type: 'string', enum: ['send', 'receive'] }
        : name === 'id'
          ? { type: 'integer', minimum: 0 }
          : { type: 'string' };
    return { name, in: 'path', required: true, schema };
  });
}

/** The document's `paths`: `/api/servers/:server` becomes `/api/servers/{server}`. */
function pathsOf(ops: readonly Operation[]): Record<string, Obj> {
  const paths: Record<string, Obj> = {};
  for (const op of ops) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    const item = (paths[path] ??= {});
    if (item[op.method] !== undefined) throw new Error(`two operations for ${op.method} ${op.path}`);
    item[op.method] = operationObject(op);
  }
  // Every path parameter is declared once per path.
  for (const [path, item] of Object.entries(paths)) {
    const params = pathParams(path);
    if (params.length > 0) item.parameters = params;
  }
  return paths;
}

const paths = pathsOf(operations);

const credentialTypesText = Object.entries(allowedTypes)
  .map(([owner, types]) => `${owner}: ${types.join(', ')}`)
  .join('; ');

const errorText: Record<number, string> = {
  400: 'Bad request: the message names the field or parameter',
  401: 'Authentication required or failed (WWW-Authenticate: Basic)',
  403: 'The user lacks the permission',
  404: 'No such object',
  409: 'Name already used, or the object is still referenced',
  413: 'The body is larger than 1 MiB',
  415: 'A body that is not application/json (UTF-8)',
  429: 'Too many failed logins from this address: banned for a while (Retry-After)',
  501: 'This node has no instance name (override routes)',
  503: 'Not ready',
};

/** A fresh copy each time: callers (validators) may change it. */
export function openApiDocument(version: string): Obj {
  return structuredClone({
    openapi: '3.0.3',
    info: {
      title: 'Waarp Gateway (TypeScript) admin API',
      version,
      description:
        'Compatible with the reference Waarp Gateway REST API where it overlaps. ' +
        `Credential types per owner: ${credentialTypesText}.`,
    },
    servers: [{ url: '/' }],
    security: [{ basic: [] }],
    tags: [
      'health',
      'status',
      'cluster',
      'users',
      'servers',
      'local accounts',
      'partners',
      'remote accounts',
      'clients',
      'rules',
      'transfers',
      'history',
      'audit',
      'override',
    ].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' } },
      responses: Object.fromEntries(
        Object.entries(errorText).map(([code, description]) => [
          `E${code}`,
          { description, ...json(ref('Error')) },
        ]),
      ),
      // Symbol-keyed parts of the schemas (TypeBox kinds, custom reasons) are not JSON: the clone drops them.
      schemas: components,
    },
  });
}
