/**
 * The OpenAPI 3 description of the admin API, served at `GET /api/openapi.json`: the route
 * table below (paths, permissions, codes) and the contract's schemas (src/schema) as they are,
 * the same objects the routes validate with. A test checks that every route of the router is
 * here and nothing else, that each validates with the schema shown, and validates the document.
 */
import { treeChanges } from '../model/tree-changes.js';
import { allStatuses } from '../model/transfer-state.js';
import { components } from '../schema/index.js';
import type { ComponentName } from '../schema/index.js';
import {
  auditResultNames,
  auditSortKeyNames,
  banProtocols,
  cancelTargets,
  transferSortKeyNames,
} from '../schema/lists.js';
import { maxLimit, defaultLimit } from './paging.js';
import { allowedTypes } from './credentials.js';

type Obj = Record<string, unknown>;

const ref = (name: ComponentName): Obj => ({ $ref: `#/components/schemas/${name}` });
const arr = (items: Obj): Obj => ({ type: 'array', items });
const listOf = (key: string, item: ComponentName): Obj => ({
  type: 'object',
  properties: { [key]: arr(ref(item)) },
  required: [key],
});

const json = (schema: Obj): Obj => ({ content: { 'application/json': { schema } } });
const reply = (description: string, schema?: Obj): Obj =>
  schema === undefined ? { description } : { description, ...json(schema) };
const errors = (...codes: number[]): Obj =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

interface OpSpec {
  tag: string;
  summary: string;
  /** Permission needed, e.g. `servers:r`; undefined: any authenticated user. */
  perm?: string;
  query?: Obj[];
  /** The request body's schema (request bodies refuse unknown fields, as the reference's). */
  body?: ComponentName;
  /** Success status and its response. */
  ok: [number, Obj];
  errs?: number[];
  /** Other statuses with their own reply (not the error shape). */
  replies?: Record<number, Obj>;
  public?: boolean;
}

function op(s: OpSpec): Obj {
  const description =
    s.public === true
      ? 'No authentication.'
      : s.perm === undefined
        ? 'Any authenticated user.'
        : `Permission: \`${s.perm}\`.`;
  // Every authenticated route refuses unknown query parameters (400); a body may be too large
  // or not JSON (src/admin/request-bounds.ts).
  const base = s.public === true ? [] : [400, 401, 403, ...(s.body === undefined ? [] : [413, 415])];
  return {
    tags: [s.tag],
    summary: s.summary,
    description,
    ...(s.public === true ? { security: [] } : {}),
    ...(s.query !== undefined && s.query.length > 0 ? { parameters: s.query } : {}),
    ...(s.body !== undefined ? { requestBody: { required: true, ...json(ref(s.body)) } } : {}),
    responses: {
      [String(s.ok[0])]: s.ok[1],
      ...errors(...new Set([...base, ...(s.errs ?? [])])),
      ...s.replies,
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

const queryParam = (name: string, schema: Obj, description: string, repeatable = false): Obj => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: repeatable ? arr(schema) : schema,
  ...(repeatable ? { style: 'form', explode: true } : {}),
});

function paging(sortKeys: readonly string[]): Obj[] {
  return [
    queryParam(
      'limit',
      { type: 'integer', minimum: 1, maximum: maxLimit, default: defaultLimit },
      'Page size.',
    ),
    queryParam('offset', { type: 'integer', minimum: 0, default: 0 }, 'Rows to skip.'),
    queryParam(
      'sort',
      { type: 'string', enum: sortKeys.flatMap((k) => [`${k}+`, `${k}-`]) },
      'Sort key and direction (`+` ascending, `-` descending).',
    ),
  ];
}

const protocolFilter = queryParam('protocol', { type: 'string' }, 'Only these protocols (repeatable).', true);

const messageReply = (d: string): Obj => reply(d, ref('Message'));
const created = (name: ComponentName): Obj => ({
  description: 'Created or updated; `Location` names the object.',
  headers: { Location: { schema: { type: 'string' }, description: 'Path of the object' } },
  ...json(ref(name)),
});

const credentialTypesText = Object.entries(allowedTypes)
  .map(([owner, types]) => `${owner}: ${types.join(', ')}`)
  .join('; ');

/** Credentials and rule access under each owner path (servers, partners, accounts). */
function ownedPaths(base: string, tag: string, perm: string): Record<string, Obj> {
  return {
    [`${base}/credentials`]: {
      post: op({
        tag,
        summary: 'Add a credential',
        perm: `${perm}:w`,
        body: 'CredentialIn',
        ok: [201, created('Credential')],
        errs: [400, 404, 409],
      }),
    },
    [`${base}/credentials/{credential}`]: {
      get: op({
        tag,
        summary: 'Get a credential (no secret)',
        perm: `${perm}:r`,
        ok: [200, reply('The credential', ref('Credential'))],
        errs: [404],
      }),
      delete: op({
        tag,
        summary: 'Delete a credential',
        perm: `${perm}:d`,
        ok: [204, reply('Deleted')],
        errs: [404],
      }),
    },
    [`${base}/authorize/{rule}/{dir}`]: {
      put: op({
        tag,
        summary: 'Authorize on a rule (restricts the rule)',
        perm: 'rules:w',
        ok: [200, messageReply('Done')],
        errs: [400, 404],
      }),
    },
    [`${base}/revoke/{rule}/{dir}`]: {
      put: op({
        tag,
        summary: 'Revoke from a rule',
        perm: 'rules:w',
        ok: [200, messageReply('Done')],
        errs: [400, 404],
      }),
    },
  };
}

function crud(
  collection: string,
  item: string,
  o: {
    tag: string;
    perm: string;
    schema: 'User' | 'Server' | 'LocalAccount' | 'Partner' | 'RemoteAccount' | 'Client' | 'Rule';
    listKey: string;
    sortKeys: readonly string[];
    filters?: Obj[];
  },
): Record<string, Obj> {
  const { tag, perm, schema } = o;
  return {
    [collection]: {
      get: op({
        tag,
        summary: `List ${o.listKey}`,
        perm: `${perm}:r`,
        query: [...paging(o.sortKeys), ...(o.filters ?? [])],
        ok: [200, reply('One page', listOf(o.listKey, schema))],
        errs: [400, 404],
      }),
      post: op({
        tag,
        summary: 'Create',
        perm: `${perm}:w`,
        body: `${schema}In`,
        ok: [201, created(schema)],
        errs: [400, 404, 409],
      }),
    },
    [item]: {
      get: op({
        tag,
        summary: 'Get one',
        perm: `${perm}:r`,
        ok: [200, reply('The object', ref(schema))],
        errs: [400, 404],
      }),
      patch: op({
        tag,
        summary: 'Update the given fields',
        perm: `${perm}:w`,
        body: `${schema}Patch`,
        ok: [201, created(schema)],
        errs: [400, 404, 409],
      }),
      put: op({
        tag,
        summary: 'Replace (omitted fields are reset)',
        perm: `${perm}:w`,
        body: `${schema}In`,
        ok: [201, created(schema)],
        errs: [400, 404, 409],
      }),
      delete: op({
        tag,
        summary: 'Delete',
        perm: `${perm}:d`,
        ok: [204, reply('Deleted')],
        errs: [400, 404, 409],
      }),
    },
  };
}

function actions(base: string, tag: string, names: string[], perm: string): Record<string, Obj> {
  return Object.fromEntries(
    names.map((a) => [
      `${base}/${a}`,
      {
        put: op({
          tag,
          summary: `${a[0]?.toUpperCase() ?? ''}${a.slice(1)}`,
          perm,
          ok: [202, messageReply('Accepted')],
          errs: [404],
        }),
      },
    ]),
  );
}

const setIndirections = op({
  tag: 'override',
  summary: 'Add or replace indirections on this node (effective after a restart of its listeners)',
  perm: 'administration:w',
  body: 'Indirections',
  ok: [201, { description: 'The new table', ...json(ref('Indirections')) }],
  errs: [400, 501],
});

const paths: Record<string, Obj> = {
  '/healthz': {
    get: op({
      tag: 'health',
      summary: 'Liveness',
      public: true,
      ok: [200, reply('Alive', ref('Health'))],
    }),
  },
  '/readyz': {
    get: op({
      tag: 'health',
      summary: 'Readiness: started, not draining, database answers within 1 s',
      public: true,
      ok: [200, reply('Ready', ref('Readiness'))],
      replies: { 503: reply('Not ready: the reasons', ref('Readiness')) },
    }),
  },
  '/lbz': {
    get: op({
      tag: 'health',
      summary:
        "The load balancer's check: 200 ready, 404 draining (keep sessions, send no new ones), 503 down",
      public: true,
      ok: [200, reply('Ready', ref('Readiness'))],
      replies: {
        404: reply('Draining', ref('Readiness')),
        503: reply('Down: the reasons', ref('Readiness')),
      },
    }),
  },
  '/api/about': {
    get: op({
      tag: 'status',
      summary: 'This node and its services',
      ok: [200, reply('About', ref('About'))],
      errs: [400],
    }),
  },
  '/api/status': {
    get: op({
      tag: 'status',
      summary: 'Deprecated: services as a map',
      ok: [200, reply('Status', ref('StatusMap'))],
      errs: [400],
    }),
  },
  '/api/openapi.json': {
    get: op({
      tag: 'status',
      summary: 'This document',
      ok: [200, reply('OpenAPI document', { type: 'object', additionalProperties: true })],
    }),
  },
  '/metrics': {
    get: op({
      tag: 'cluster',
      summary:
        "This node's metrics, Prometheus text format (transfers, bytes, sessions, heartbeat, clock offset)",
      perm: 'administration:r',
      ok: [200, { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }],
    }),
  },
  '/api/bans': {
    get: op({
      tag: 'cluster',
      summary: 'Addresses banned after too many failed logins, per protocol (on every node)',
      perm: 'administration:r',
      ok: [200, reply('Bans', listOf('bans', 'Ban'))],
      errs: [400],
    }),
  },
  '/api/bans/{address}': {
    delete: op({
      tag: 'cluster',
      summary: 'Lift the bans of an address (and forget its failures) on every node',
      perm: 'administration:d',
      query: [
        queryParam(
          'protocol',
          { type: 'string', enum: [...banProtocols] },
          'Only the ban on this protocol (default: both).',
        ),
      ],
      ok: [204, reply('Lifted')],
      errs: [400, 404],
    }),
  },
  '/api/cluster/nodes': {
    get: op({
      tag: 'cluster',
      summary: 'Every node of the gateway (from the shared database)',
      perm: 'administration:r',
      ok: [200, reply('Nodes', listOf('nodes', 'Node'))],
      errs: [400],
    }),
  },
  '/api/me/password': {
    put: op({
      tag: 'users',
      summary: 'Change your own password (every user may; the minimum length applies)',
      body: 'OwnPasswordIn',
      ok: [200, messageReply('Changed')],
    }),
  },
  ...crud('/api/users', '/api/users/{user}', {
    tag: 'users',
    perm: 'users',
    schema: 'User',
    listKey: 'users',
    sortKeys: ['username'],
  }),
  ...crud('/api/servers', '/api/servers/{server}', {
    tag: 'servers',
    perm: 'servers',
    schema: 'Server',
    listKey: 'servers',
    sortKeys: ['name', 'proto'],
    filters: [protocolFilter],
  }),
  ...actions(
    '/api/servers/{server}',
    'servers',
    ['enable', 'disable', 'start', 'stop', 'restart'],
    'servers:w',
  ),
  ...ownedPaths('/api/servers/{server}', 'servers', 'servers'),
  ...crud('/api/servers/{server}/accounts', '/api/servers/{server}/accounts/{login}', {
    tag: 'local accounts',
    perm: 'servers',
    schema: 'LocalAccount',
    listKey: 'localAccounts',
    sortKeys: ['login'],
  }),
  ...ownedPaths('/api/servers/{server}/accounts/{login}', 'local accounts', 'servers'),
  ...crud('/api/partners', '/api/partners/{partner}', {
    tag: 'partners',
    perm: 'partners',
    schema: 'Partner',
    listKey: 'partners',
    sortKeys: ['name', 'proto'],
    filters: [protocolFilter],
  }),
  ...ownedPaths('/api/partners/{partner}', 'partners', 'partners'),
  ...crud('/api/partners/{partner}/accounts', '/api/partners/{partner}/accounts/{login}', {
    tag: 'remote accounts',
    perm: 'partners',
    schema: 'RemoteAccount',
    listKey: 'remoteAccounts',
    sortKeys: ['login'],
  }),
  ...ownedPaths('/api/partners/{partner}/accounts/{login}', 'remote accounts', 'partners'),
  ...crud('/api/clients', '/api/clients/{client}', {
    tag: 'clients',
    perm: 'servers',
    schema: 'Client',
    listKey: 'clients',
    sortKeys: ['name', 'proto'],
    filters: [protocolFilter],
  }),
  ...actions(
    '/api/clients/{client}',
    'clients',
    ['enable', 'disable', 'start', 'stop', 'restart'],
    'servers:w',
  ),
  ...crud('/api/rules', '/api/rules/{rule}/{dir}', {
    tag: 'rules',
    perm: 'rules',
    schema: 'Rule',
    listKey: 'rules',
    sortKeys: ['name'],
  }),
  '/api/rules/{rule}/{dir}/allow_all': {
    put: op({
      tag: 'rules',
      summary: 'Open the rule to everyone',
      perm: 'rules:w',
      ok: [200, messageReply('Done')],
      errs: [400, 404],
    }),
  },
  '/api/transfers': {
    get: op({
      tag: 'transfers',
      summary: 'List transfers (live and finished)',
      perm: 'transfers:r',
      query: [
        ...paging(transferSortKeyNames),
        queryParam(
          'status',
          { type: 'string', enum: [...allStatuses] },
          'Only these statuses (repeatable).',
          true,
        ),
        queryParam('rule', { type: 'string' }, 'Only these rules (repeatable).', true),
        queryParam('start', { type: 'string', format: 'date-time' }, 'Started at or after (RFC 3339).'),
      ],
      ok: [200, reply('One page', listOf('transfers', 'Transfer'))],
      errs: [400],
    }),
    post: op({
      tag: 'transfers',
      summary: 'Plan a client transfer (status PLANNED)',
      perm: 'transfers:w',
      body: 'TransferIn',
      ok: [201, created('Transfer')],
      errs: [400, 404],
    }),
    delete: op({
      tag: 'transfers',
      summary: 'Cancel every transfer of a status',
      perm: 'transfers:w',
      query: [
        {
          name: 'target',
          in: 'query',
          required: true,
          schema: { type: 'string', enum: [...cancelTargets] },
        },
      ],
      ok: [202, reply('Accepted', ref('CancelAllReply'))],
      errs: [400],
    }),
  },
  '/api/transfers/{id}': {
    get: op({
      tag: 'transfers',
      summary: 'Get a transfer (live or finished)',
      perm: 'transfers:r',
      ok: [200, reply('The transfer', ref('Transfer'))],
      errs: [400, 404],
    }),
  },
  '/api/transfers/{id}/pause': {
    put: op({
      tag: 'transfers',
      summary: 'Pause (PLANNED now; RUNNING: by its node within a heartbeat)',
      perm: 'transfers:w',
      ok: [202, messageReply('Accepted')],
      errs: [400, 404],
    }),
  },
  '/api/transfers/{id}/resume': {
    put: op({
      tag: 'transfers',
      summary: 'Resume a PAUSED, INTERRUPTED or ERROR client transfer',
      perm: 'transfers:w',
      ok: [202, messageReply('Accepted')],
      errs: [400, 404],
    }),
  },
  '/api/transfers/{id}/cancel': {
    put: op({
      tag: 'transfers',
      summary: 'Cancel (waiting: to history now; RUNNING: by its node)',
      perm: 'transfers:w',
      ok: [202, messageReply('Accepted')],
      errs: [400, 404],
    }),
  },
  '/api/transfers/{id}/retry': {
    put: op({
      tag: 'transfers',
      summary: 'Plan a new transfer copying this one',
      perm: 'transfers:w',
      query: [
        queryParam('date', { type: 'string', format: 'date-time' }, 'When to start (RFC 3339); default now.'),
      ],
      ok: [201, created('Transfer')],
      errs: [400, 404],
    }),
  },
  '/api/history': {
    get: op({
      tag: 'history',
      summary: 'List finished transfers',
      perm: 'transfers:r',
      query: [
        ...paging(transferSortKeyNames),
        queryParam('requester', { type: 'string' }, 'Account logins (repeatable).', true),
        queryParam('requested', { type: 'string' }, 'Server or partner names (repeatable).', true),
        queryParam('rule', { type: 'string' }, 'Rule names (repeatable).', true),
        queryParam('status', { type: 'string', enum: [...allStatuses] }, 'Statuses (repeatable).', true),
        queryParam('protocol', { type: 'string' }, 'Protocols (repeatable).', true),
        queryParam('start', { type: 'string', format: 'date-time' }, 'Started at or after.'),
        queryParam('stop', { type: 'string', format: 'date-time' }, 'Ended at or before.'),
      ],
      ok: [200, reply('One page', listOf('history', 'Transfer'))],
      errs: [400],
    }),
  },
  '/api/history/{id}': {
    get: op({
      tag: 'history',
      summary: 'Get a finished transfer',
      perm: 'transfers:r',
      ok: [200, reply('The transfer', ref('Transfer'))],
      errs: [400, 404],
    }),
  },
  '/api/history/{id}/retry': {
    put: op({
      tag: 'history',
      summary: 'Deprecated: same as /api/transfers/{id}/retry',
      perm: 'transfers:w',
      query: [queryParam('date', { type: 'string', format: 'date-time' }, 'When to start (RFC 3339).')],
      ok: [201, created('Transfer')],
      errs: [400, 404],
    }),
  },
  '/api/audit': {
    get: op({
      tag: 'audit',
      summary:
        'What partners changed in their folders (remove, rename, mkdir, rmdir, setstat), done or refused; newest first by default',
      perm: 'transfers:r',
      query: [
        ...paging(auditSortKeyNames),
        queryParam('account', { type: 'string' }, 'Account logins (repeatable).', true),
        queryParam('server', { type: 'string' }, 'Server names (repeatable).', true),
        queryParam('rule', { type: 'string' }, 'Rule names (repeatable).', true),
        queryParam('operation', { type: 'string', enum: [...treeChanges] }, 'Operations (repeatable).', true),
        queryParam('result', { type: 'string', enum: [...auditResultNames] }, 'Results (repeatable).', true),
        queryParam('node', { type: 'string' }, 'Nodes (repeatable).', true),
        queryParam('start', { type: 'string', format: 'date-time' }, 'At or after.'),
        queryParam('stop', { type: 'string', format: 'date-time' }, 'At or before.'),
      ],
      ok: [200, reply('One page', listOf('audit', 'AuditEntry'))],
      errs: [400],
    }),
  },
  '/api/override/addresses': {
    get: op({
      tag: 'override',
      summary: "This node's address indirections",
      perm: 'administration:r',
      ok: [200, reply('target → real', ref('Indirections'))],
      errs: [400, 501],
    }),
    post: setIndirections,
    put: setIndirections,
    patch: setIndirections,
  },
  '/api/override/addresses/{target}': {
    delete: op({
      tag: 'override',
      summary: 'Remove an indirection on this node',
      perm: 'administration:d',
      ok: [204, reply('Removed')],
      errs: [400, 404, 501],
    }),
  },
};

// Every path parameter is declared once per path.
for (const [path, item] of Object.entries(paths)) {
  const params = pathParams(path);
  if (params.length > 0) item.parameters = params;
}

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
